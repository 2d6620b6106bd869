"""Entries: reading Markdown and front matter, rendering, highlighting, the catalogue."""

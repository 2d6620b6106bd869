"""FastAPI Patterns: a searchable knowledge base of live, tested FastAPI patterns."""

__version__ = "0.1.0"

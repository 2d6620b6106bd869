"""The catalogue: items and their stock. Other domains use its service, never its store."""

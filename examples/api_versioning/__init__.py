"""API Versioning: the example app of content/api-versioning.md."""

from .app import create_app

__all__ = ["create_app"]

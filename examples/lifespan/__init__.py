"""Lifespan and the app factory: the example app of content/lifespan.md."""

from .app import create_app

__all__ = ["create_app"]

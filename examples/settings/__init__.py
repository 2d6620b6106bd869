"""Settings: the example app of content/settings.md."""

from .app import create_app

__all__ = ["create_app"]

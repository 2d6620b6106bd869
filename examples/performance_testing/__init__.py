"""Performance testing: an in-process load generator and the app it measures."""

from .app import create_app

__all__ = ["create_app"]

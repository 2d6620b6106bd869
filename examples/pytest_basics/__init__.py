"""pytest basics: plain test functions against a small pricing app."""

from .app import create_app

__all__ = ["create_app"]

"""Security Headers: the example app of content/security-headers.md."""

from .app import create_app

__all__ = ["create_app"]

"""Object-Level Authorization: the example app of content/object-level-authorization.md."""

from .app import create_app

__all__ = ["create_app"]

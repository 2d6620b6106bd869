"""API testing: a small CRUD API tested end to end, through HTTP only."""

from .app import create_app

__all__ = ["create_app"]

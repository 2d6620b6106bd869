"""Authentication testing: a small JWT-protected app and the tests that pin its behaviour."""

from .app import create_app

__all__ = ["create_app"]

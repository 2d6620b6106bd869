"""Cookie sessions: an HttpOnly session cookie, a CSRF token, and a same-origin check."""

from .app import create_app

__all__ = ["create_app"]

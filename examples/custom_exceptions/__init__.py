"""Domain exceptions raised by a service layer and mapped to HTTP responses at the edge."""

from .app import create_app

__all__ = ["create_app"]

"""Outbound HTTP Clients: the example app of content/outbound-http.md."""

from .app import create_app

__all__ = ["create_app"]

"""Responses that are not JSON: images, files, downloads, redirects, HTML and plain text."""

from .app import create_app

__all__ = ["create_app"]

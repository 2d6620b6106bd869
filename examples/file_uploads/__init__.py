"""File uploads: UploadFile and Form, size and type checks, files streamed to a temporary folder."""

from .app import create_app

__all__ = ["create_app"]

"""Multi-Tenancy: the example app of content/multi-tenancy.md."""

from .app import create_app

__all__ = ["create_app"]

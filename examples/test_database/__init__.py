"""Test database: an isolated SQLite database per test, swapped in through the session dependency."""

from .app import create_app

__all__ = ["create_app"]

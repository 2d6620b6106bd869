"""Test fixtures: the app, a client, a factory and seed data, shared through conftest.py."""

from .app import create_app

__all__ = ["create_app"]

"""Project structure: one package per domain; the example app of content/project-structure.md."""

from .main import create_app

__all__ = ["create_app"]

"""Health checks and readiness: the example app of content/health-checks.md."""

from .app import create_app

__all__ = ["create_app"]

"""OpenTelemetry Tracing: the example app of content/opentelemetry.md."""

from .app import create_app

__all__ = ["create_app"]

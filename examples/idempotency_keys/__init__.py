"""Idempotency Keys Done Right: the example app of content/idempotency-keys.md."""

from .app import create_app

__all__ = ["create_app"]

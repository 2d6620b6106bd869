"""Coverage: a shipping-quote app whose tests reach every line and every branch."""

from .app import create_app

__all__ = ["create_app"]

"""Mock objects: swap the payment gateway dependency for a fake in tests."""

from .app import create_app

__all__ = ["create_app"]

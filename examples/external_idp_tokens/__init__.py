"""Tokens from an External Identity Provider: the example app of content/external-idp-tokens.md."""

from .app import create_app

__all__ = ["create_app"]

"""Alembic migrations of the proposals database (run by :mod:`kb.contribute.schema`)."""

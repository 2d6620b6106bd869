"""One module per revision, oldest first; alembic finds them by their ``revision``."""

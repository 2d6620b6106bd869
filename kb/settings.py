"""Every setting of the knowledge base, in one typed table.

Each field can be set from the environment with the ``KB_`` prefix, for example
``KB_CONTENT_DIR=/srv/content``. The defaults are the documented ones (README.md).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from limits import parse
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KB_", extra="ignore")

    content_dir: Path = Field(
        default=PROJECT_DIR / "content", description="Folder of Markdown entries."
    )
    examples_dir: Path = Field(
        default=PROJECT_DIR / "examples", description="Folder of example apps."
    )
    templates_dir: Path = Field(
        default=PROJECT_DIR / "templates", description="Folder of Jinja templates."
    )
    static_dir: Path = Field(default=PROJECT_DIR / "static", description="Folder of static files.")
    host: str = Field(default="127.0.0.1", description="Address `kb serve` binds to.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `kb serve` listens on.")
    search_limit: int = Field(
        default=20, ge=1, le=100, description="Results per search unless `limit` says otherwise."
    )
    search_max_query: int = Field(
        default=200, ge=10, description="Characters of a query kept; the rest is ignored."
    )
    search_timeout_ms: float = Field(
        default=250.0, ge=0, description="Milliseconds one search may run (0: no limit)."
    )
    search_cache: bool = Field(
        default=True,
        description="Keep recent search answers (the index's results and the /search and "
        "/api/search responses); off, every search is answered from the index.",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Folder for the search index and rendered entries, reused while content "
        "is unchanged (`kb serve` uses .cache/ beside the content folder when unset; empty: "
        "kept in memory only).",
    )
    try_timeout: float = Field(
        default=5.0, ge=0, description="Seconds an example call may run (0: no limit)."
    )
    max_body: int = Field(
        default=64 * 1024,
        ge=0,
        description="Bytes a request body to /try or /examples may have; more is a 413 (0: no limit).",
    )
    max_upload: int = Field(
        default=4 * 1024 * 1024,
        ge=0,
        description="Bytes a multipart/form-data request (a file upload) to /try or /examples "
        "may have, instead of max_body; more is a 413 (0: no limit).",
    )
    try_max_response: int = Field(
        default=1024 * 1024, ge=0, description="Bytes of an example response shown (0: all)."
    )
    secret_key: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        min_length=32,
        description="Key that signs reader cookies and CSRF tokens; generated at start-up when "
        "unset. Set the same value on every process behind one load balancer.",
    )
    sandbox_max_per_example: int = Field(
        default=50,
        ge=1,
        description="Readers' sandboxes kept per example; the least recently used goes first.",
    )
    sandbox_idle_seconds: float = Field(
        default=900.0, gt=0, description="Seconds a sandbox may sit unused before it is closed."
    )
    rate_limit_try: int = Field(
        default=60, ge=0, description="Console requests per client per minute (0: no limit)."
    )
    rate_limit_examples: int = Field(
        default=120,
        ge=0,
        description="Direct /examples requests per client per minute (0: no limit).",
    )
    rate_limit_search: int = Field(
        default=300, ge=0, description="Searches per client per minute (0: no limit)."
    )
    trusted_hosts: list[str] = Field(
        default=["127.0.0.1", "localhost", "[::1]", "testserver"],
        description='Host names the KB answers to, as JSON (e.g. \'["kb.example.com"]\'); "*" for any.',
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (comma-separated, or *).",
    )
    edit_url: str = Field(
        default="",
        description="Template for 'Edit this page' links, e.g. "
        "https://github.com/org/repo/edit/main/content/{path}; empty hides the link.",
    )
    dev: bool = Field(
        default=False,
        description="Development mode (`kb serve --reload` turns it on): reload entries and "
        "examples when their files change, and refresh open pages.",
    )
    proposals_url: str = Field(
        default="",
        description="SQLAlchemy URL of the proposals database, e.g. "
        "postgresql+psycopg://kb@db/kb (empty: the SQLite file .cache/proposals.db beside "
        "the content folder).",
    )
    examples_database_url: str = Field(
        default="",
        description="PostgreSQL server on which the examples that read DATABASE_URL run, as a "
        "SQLAlchemy URL with the psycopg driver, e.g. postgresql+psycopg://kb@127.0.0.1:5433/kb: "
        "each sandbox gets a schema of its own there, dropped when it stops (empty: they run "
        "on their SQLite default).",
    )
    proposals_rate: str = Field(
        default="5/minute",
        description="Proposals one client may send, as a rate of the limits library.",
    )
    previews_rate: str = Field(
        default="300/minute",
        description="Live previews one client may ask for on /contribute, as a rate of the "
        "limits library (typing with the editor's 400 ms pause sends at most 150 a minute).",
    )
    proposals_max_bytes: int = Field(
        default=64 * 1024, ge=1, description="Bytes of Markdown one proposal may have."
    )

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # KB_CACHE_DIR= turns the cache off; as a path, "" would be the working folder.
        return None if value == "" else value

    @field_validator("proposals_rate", "previews_rate")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate like 5/minute") from exc
        return value

    @field_validator("examples_database_url")
    @classmethod
    def _a_psycopg_url(cls, value: str) -> str:
        if not value:
            return value
        # Imported only when the setting is used: SQLAlchemy is slow to import.
        from sqlalchemy import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            driver = make_url(value).drivername
        except ArgumentError as exc:
            raise ValueError(f"{value!r} is not a SQLAlchemy URL") from exc
        if driver != "postgresql+psycopg":
            # The examples' sync and async engines both take a psycopg URL, and libpq
            # applies the sandbox's search_path from it; other drivers do neither.
            raise ValueError(f"{driver!r}: the URL must start with postgresql+psycopg://")
        return value

    @property
    def proposals_database(self) -> str:
        """The proposals database URL, with the default filled in."""
        if self.proposals_url:
            return self.proposals_url
        return f"sqlite:///{self.content_dir.resolve().parent / '.cache' / 'proposals.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()

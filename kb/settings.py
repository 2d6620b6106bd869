"""Every setting of the knowledge base, in one typed table.

Each field can be set from the environment with the ``KB_`` prefix, for example
``KB_CONTENT_DIR=/srv/content``. The defaults are the documented ones (README.md).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
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
    cache_dir: Path | None = Field(
        default=None,
        description="Folder for the search index and rendered entries, reused while content "
        "is unchanged (unset: kept in memory only).",
    )
    try_timeout: float = Field(
        default=5.0, ge=0, description="Seconds an example call may run (0: no limit)."
    )
    try_max_body: int = Field(
        default=64 * 1024, ge=0, description="Bytes a console request body may have (0: no limit)."
    )
    try_max_response: int = Field(
        default=1024 * 1024, ge=0, description="Bytes of an example response shown (0: all)."
    )
    edit_url: str = Field(
        default="",
        description="Template for 'Edit this page' links, e.g. "
        "https://github.com/org/repo/edit/main/content/{path}; empty hides the link.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()

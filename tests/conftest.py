"""Fixtures named for what they build: settings, the KB app, a client, the catalogue."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.settings import PROJECT_DIR, Settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def project_settings() -> Settings:
    """Settings for the real content/ and examples/ folders."""
    return Settings(content_dir=PROJECT_DIR / "content", examples_dir=PROJECT_DIR / "examples")


@pytest.fixture
def site_settings(tmp_path: Path) -> Settings:
    """Settings for a copy of the two-entry fixture site, free to modify."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", root)
    return Settings(content_dir=root / "content", examples_dir=root / "examples", try_timeout=1.0)


@pytest.fixture
def site_client(site_settings: Settings) -> Iterator[TestClient]:
    """A client of the KB serving the fixture site, lifespan (examples) started.

    Like a browser, it has visited a page and so holds its reader cookie: its requests
    reach its own sandboxes.
    """
    with TestClient(create_app(site_settings)) as client:
        client.get("/healthz")  # answers once the examples have started in the background
        client.get("/")
        yield client


@pytest.fixture(scope="session")
def project_client(project_settings: Settings) -> Iterator[TestClient]:
    """A client of the KB serving the real catalogue."""
    with TestClient(create_app(project_settings)) as client:
        yield client

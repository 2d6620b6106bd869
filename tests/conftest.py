"""Fixtures named for what they build: settings, the KB app, a client, the catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb import catalogue as catalogue_module
from kb.app import create_app
from kb.settings import PROJECT_DIR, Settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def project_settings() -> Settings:
    """Settings for the real content/ and examples/ folders."""
    return Settings(content_dir=PROJECT_DIR / "content", examples_dir=PROJECT_DIR / "examples")


@pytest.fixture(scope="session")
def project_catalogue(project_settings: Settings) -> catalogue_module.Catalogue:
    return catalogue_module.load(project_settings.content_dir, project_settings.examples_dir)


@pytest.fixture(scope="session")
def kb_client(project_settings: Settings) -> Iterator[TestClient]:
    """A client of the KB serving the real catalogue, lifespan (examples) started."""
    with TestClient(create_app(project_settings)) as client:
        yield client


@pytest.fixture
def tmp_kb(tmp_path: Path) -> Settings:
    """Settings for an empty content/ and examples/ pair under tmp_path."""
    (tmp_path / "content").mkdir()
    (tmp_path / "examples").mkdir()
    return Settings(content_dir=tmp_path / "content", examples_dir=tmp_path / "examples")

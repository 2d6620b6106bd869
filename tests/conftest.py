"""Fixtures named for what they build: settings, the KB app, a client, the catalogue.

Every example a test starts in a sandbox must start: when one fails, the test fails with
"example failed to start: <why>" (its own assertion shown as the cause), whatever it
asserted. A test that breaks an example on purpose says so with
``@pytest.mark.example_fails``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.content import catalogue
from kb.content.catalogue import Catalogue
from kb.sandbox.databases import ExampleDatabases
from kb.sandbox.examples import ExampleError
from kb.sandbox.sandboxes import Sandboxes
from kb.settings import PROJECT_DIR, Settings

pytest_plugins = ["pytester"]  # tests/test_conftest.py runs small suites of its own

FIXTURES = Path(__file__).parent / "fixtures"
FAILED_STARTS = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "example_fails: the test makes an example fail to start on purpose"
    )


@pytest.fixture(autouse=True)
def examples_must_start(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records every example that fails to start in a sandbox (the KB answers those with
    "not running"), for :func:`pytest_runtest_call` to report."""
    failed: list[str] = []
    request.node.stash[FAILED_STARTS] = failed
    get = Sandboxes.get

    async def get_or_record(self: Sandboxes, reader: str, slug: str) -> FastAPI:
        try:
            return await get(self, reader, slug)
        except ExampleError as exc:
            failed.append(str(exc))
            raise

    monkeypatch.setattr(Sandboxes, "get", get_or_record)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    __tracebackhide__ = True
    try:
        result = yield
    except BaseException as exc:
        _fail_if_an_example_failed(item, exc)
        raise
    _fail_if_an_example_failed(item, None)
    return result


def _fail_if_an_example_failed(item: pytest.Item, cause: BaseException | None) -> None:
    __tracebackhide__ = True
    failed = item.stash.get(FAILED_STARTS, [])
    if failed and item.get_closest_marker("example_fails") is None:
        raise pytest.fail.Exception(f"example failed to start: {failed[0]}") from cause


@pytest.fixture(scope="session")
def example_databases() -> ExampleDatabases:
    """The PostgreSQL server ``KB_EXAMPLES_DATABASE_URL`` names, for the tests marked
    ``postgres``; they are skipped without one (``make check-postgres`` starts one)."""
    url = Settings().examples_database_url
    if not url:
        pytest.skip("KB_EXAMPLES_DATABASE_URL names no PostgreSQL server")
    return ExampleDatabases(url)


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


def copy_pages_site(root: Path) -> Settings:
    """The fixture site at ``root``, plus the entry whose example serves an HTML page and
    mounts sub-applications (tests/fixtures/pages)."""
    shutil.copytree(FIXTURES / "site", root)
    shutil.copy(FIXTURES / "pages" / "pages.md", root / "content")
    shutil.copy(FIXTURES / "pages" / "pages.py", root / "examples")
    return Settings(content_dir=root / "content", examples_dir=root / "examples")


@pytest.fixture
def pages_client(tmp_path: Path) -> Iterator[TestClient]:
    """A client, with its reader cookie, of the fixture site plus the pages example."""
    with TestClient(create_app(copy_pages_site(tmp_path / "site"))) as client:
        client.get("/healthz?wait=true")
        client.get("/")
        yield client


@pytest.fixture
def site_client(site_settings: Settings) -> Iterator[TestClient]:
    """A client of the KB serving the fixture site, lifespan (examples) started.

    Like a browser, it has visited a page and so holds its reader cookie: its requests
    reach its own sandboxes.
    """
    with TestClient(create_app(site_settings)) as client:
        client.get("/healthz?wait=true")  # once the examples have started in the background
        client.get("/")
        yield client


@pytest.fixture(scope="session")
def project_catalogue(project_settings: Settings) -> Catalogue:
    """The real catalogue, loaded (and rendered) once for the whole session."""
    return catalogue.load(project_settings.content_dir, project_settings.examples_dir)


@pytest.fixture(scope="session")
def project_client(project_settings: Settings) -> Iterator[TestClient]:
    """A client of the KB serving the real catalogue, every example started.

    It waits for them: a session-long client must not go on starting examples in its
    own thread while later tests run (building an app swaps the process-wide warning
    filters; see kb.sandbox.examples).
    """
    with TestClient(create_app(project_settings)) as client:
        client.get("/healthz?wait=true")  # answers once every example has been tried
        kb = client.app.state.kb  # type: ignore[attr-defined]
        for problem in kb.example_errors.values():
            pytest.fail(f"example failed to start: {problem.message}")
        yield client

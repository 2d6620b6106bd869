from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx2
import pytest

from kb.sandbox import environment, examples

SETTINGS_APP = """
import os
from contextlib import asynccontextmanager
from functools import lru_cache

from fastapi import Depends, FastAPI
from pydantic_settings import BaseSettings

AT_IMPORT = os.environ.get("ADMIN_EMAIL")


class Settings(BaseSettings):
    admin_email: str
    app_name: str = "Awesome API"


@lru_cache
def get_settings() -> Settings:
    return Settings()


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield {"at_startup": os.getenv("ADMIN_EMAIL")}


app = FastAPI(lifespan=lifespan)


@app.get("/info")
async def info(request: Request, settings: Settings = Depends(get_settings)) -> dict:
    return {
        "admin_email": settings.admin_email,
        "at_import": AT_IMPORT,
        "at_startup": request.state.at_startup,
        "in_environ": "ADMIN_EMAIL" in os.environ,
    }
""".replace("from fastapi import Depends, FastAPI", "from fastapi import Depends, FastAPI, Request")


def write_example(root: Path, email: str) -> None:
    package = root / "settings_app"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(SETTINGS_APP)
    (package / ".env").write_text(f"ADMIN_EMAIL={email}\n# a comment\nEMPTY=\n")


async def get(app: examples.RunningApp, path: str) -> dict[str, object]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://x") as client:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


@pytest.mark.anyio
async def test_an_examples_env_file_is_seen_at_import_startup_and_requests(tmp_path: Path) -> None:
    write_example(tmp_path, "admin@example.com")
    running = examples.RunningApps()
    app = await running.start("ann", examples.build(tmp_path, "settings_app"))
    assert await get(app, "/info") == {
        "admin_email": "admin@example.com",
        "at_import": "admin@example.com",
        "at_startup": "admin@example.com",
        "in_environ": True,
    }
    assert "ADMIN_EMAIL" not in os.environ  # the KB's own environment is untouched
    await running.aclose()


@pytest.mark.anyio
async def test_two_examples_each_see_only_their_own_variables(tmp_path: Path) -> None:
    write_example(tmp_path / "one", "one@example.com")
    write_example(tmp_path / "two", "two@example.com")
    running = examples.RunningApps()
    one = await running.start("one", examples.build(tmp_path / "one", "settings_app"))
    two = await running.start("two", examples.build(tmp_path / "two", "settings_app"))
    answers = await asyncio.gather(*(get(app, "/info") for app in (one, two, one, two)))
    assert [a["admin_email"] for a in answers] == [
        "one@example.com",
        "two@example.com",
        "one@example.com",
        "two@example.com",
    ]
    await running.aclose()


def test_no_env_file_no_variables_and_the_process_environment_shows_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plain.py").write_text("")
    assert environment.declared(tmp_path / "plain.py") == {}
    (tmp_path / "plain.env").write_text("A=1\n")
    assert environment.declared(tmp_path / "plain.py") == {"A": "1"}
    monkeypatch.setenv("KB_TEST_PROCESS_VARIABLE", "process")
    with environment.applied({"A": "1"}):
        assert os.environ["A"] == "1" and os.getenv("KB_TEST_PROCESS_VARIABLE") == "process"
        assert {"A", "KB_TEST_PROCESS_VARIABLE"} <= set(os.environ)
        assert len(os.environ) == len(set(os.environ))
    assert "A" not in os.environ


def test_lookups_see_the_examples_variables_then_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environment._install()
    monkeypatch.setenv("KB_TEST_PROCESS", "process")
    monkeypatch.delenv("KB_TEST_UNSET", raising=False)
    with environment.applied({"KB_TEST_OWN": "own", "KB_TEST_PROCESS": "theirs"}):
        assert "KB_TEST_OWN" in os.environ and os.environ.get("KB_TEST_OWN") == "own"
        assert os.environ.get("KB_TEST_PROCESS") == "theirs"
        assert "KB_TEST_UNSET" not in os.environ
        assert os.environ.get("KB_TEST_UNSET", "default") == "default"
    assert "KB_TEST_OWN" not in os.environ and os.environ.get("KB_TEST_OWN") is None
    assert "KB_TEST_PROCESS" in os.environ and os.environ.get("KB_TEST_PROCESS") == "process"
    with pytest.raises(TypeError):
        assert 1 in os.environ  # as the process's own os.environ answers

"""What the CLI tests share: the fixture site's folders as options, and ``kb`` in a process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.content import catalogue
from kb.content.catalogue import Catalogue
from kb.settings import PROJECT_DIR, Settings


def dirs(settings: Settings) -> list[str]:
    return ["--content", str(settings.content_dir), "--examples", str(settings.examples_dir)]


def run_kb(
    *arguments: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m kb`` in a process of its own, as a user runs it, with no KB_* variables
    but those given."""
    clean = {key: value for key, value in os.environ.items() if not key.upper().startswith("KB_")}
    return subprocess.run(
        [sys.executable, "-m", "kb", *arguments],
        env={**clean, **(env or {})},
        cwd=cwd or PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(autouse=True)
def environment_restored() -> Iterator[None]:
    """No KB_* variable leaks in from the shell, and whatever a command sets in the
    environment (kb serve exports its folders for uvicorn's workers) is undone after."""
    saved = dict(os.environ)
    for key in [key for key in os.environ if key.upper().startswith("KB_")]:
        del os.environ[key]
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def site_catalogue(site_settings: Settings) -> Catalogue:
    return catalogue.load(site_settings.content_dir, site_settings.examples_dir)

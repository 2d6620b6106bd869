"""Every entry says which libraries do its job, in the same place: just before In production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.settings import PROJECT_DIR

ENTRIES = sorted((PROJECT_DIR / "content").glob("*.md"))
LIBRARIES = "## Libraries that do this"
PYPI_LINK = re.compile(r"\]\((https://pypi\.org/[^)]*)\)")


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("## ")]


@pytest.mark.parametrize("path", ENTRIES, ids=lambda path: path.stem)
def test_libraries_come_right_before_in_production(path: Path) -> None:
    found = headings(path.read_text(encoding="utf-8"))
    assert found.count(LIBRARIES) == 1
    assert found[found.index(LIBRARIES) + 1] == "## In production"


@pytest.mark.parametrize("path", ENTRIES, ids=lambda path: path.stem)
def test_libraries_link_to_their_pypi_project_page(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    section = text.split(LIBRARIES, 1)[1].split("\n## ", 1)[0]
    for url in PYPI_LINK.findall(section):
        assert re.fullmatch(r"https://pypi\.org/project/[a-z0-9]+(-[a-z0-9]+)*/", url), url

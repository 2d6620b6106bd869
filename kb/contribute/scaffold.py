"""``kb new``: a new entry, its example app and the example's test, ready to run and check."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kb.content import scaffolds
from kb.content.catalogue import OUTLINE_FILE, load_outline
from kb.content.entries import EXAMPLE_RE, SECTIONS, SLUG_RE, parse_entry
from kb.content.problems import EntryError, did_you_mean
from kb.content.render import symbol_lines


class ScaffoldError(Exception):
    """A scaffold that cannot be written; the message says what to change."""


@dataclass
class Scaffold:
    """What ``kb new`` writes: file contents by path, and whether the outline lists the entry."""

    entry: Path
    section: str
    group: str
    files: dict[Path, str] = field(default_factory=dict)
    outlined: bool = False  # True once the slug is added to _sections.yaml


def resolve_section(content_dir: Path, name: str) -> str:
    """The section title for ``name``, a title or an outline slug, in any case."""
    titles = {title.lower(): title for title in SECTIONS}
    try:
        outline = load_outline(content_dir)
    except EntryError:
        outline = []
    titles |= {s.slug: s.title for s in outline if s.title in SECTIONS}
    found = titles.get(name.strip().lower())
    if found is None:
        raise ScaffoldError(
            f"unknown section {name!r}{did_you_mean(name, list(SECTIONS))}; "
            f"use one of {', '.join(repr(s) for s in SECTIONS)}"
        )
    return found


def default_group(content_dir: Path, section: str) -> str:
    """The section's first group in the outline, or "General"."""
    try:
        outline = load_outline(content_dir)
    except EntryError:
        return "General"
    for item in outline:
        if item.title == section and item.groups:
            return item.groups[0].title
    return "General"


def example_name(slug: str) -> str:
    name = slug.replace("-", "_")
    return name if re.match(EXAMPLE_RE, name) else f"example_{name}"


def entry_markdown(
    *,
    title: str,
    section: str,
    group: str,
    summary: str = "",
    example: str | None = None,
    tags: list[str] | None = None,
    related: list[str] | None = None,
    highlight: int | None = None,
    updated: dt.date | None = None,
) -> str:
    """The text of a new entry: front matter, then the sections every entry has, to fill in."""
    summary = summary or f"{scaffolds.TODO} one sentence that says what “{title}” answers."
    front = [
        "---",
        f"title: {_yaml_str(title)}",
        f"summary: {_yaml_str(summary)}",
        f"section: {_yaml_str(section)}",
        f"group: {_yaml_str(group)}",
        f"tags: [{', '.join(tags or [])}]",
        *([f"example: {example}"] if example else []),
        f"related: [{', '.join(related or [])}]",
        f"updated: {(updated or dt.date.today()).isoformat()}",
        "---",
    ]
    return "\n".join(front) + "\n" + scaffolds.body(example, highlight)


def example_files(name: str, title: str, slug: str) -> dict[str, str]:
    """The example package: ``__init__.py``, ``app.py`` and ``test_app.py``, by relative path."""
    safe_title = title.replace("\\", "/").replace('"', "'")
    return {
        f"{name}/__init__.py": (
            f'"""{safe_title}: the example app of content/{slug}.md."""\n\n'
            "from .app import create_app\n\n"
            '__all__ = ["create_app"]\n'
        ),
        f"{name}/app.py": _APP.format(
            docstring=f"{safe_title}: a small app that shows the pattern.",
            title=json.dumps(title, ensure_ascii=False),
        ),
        f"{name}/test_app.py": _TEST,
    }


def scaffold(
    content_dir: Path,
    examples_dir: Path,
    slug: str,
    *,
    title: str,
    section: str,
    group: str = "",
    summary: str = "",
    example: str | None = "",
    tags: list[str] | None = None,
    related: list[str] | None = None,
) -> Scaffold:
    """Plan the files of a new entry; ``example=None`` makes an entry without an example app.

    Raises :class:`ScaffoldError` when the slug, section or front matter is wrong, or a
    file would be overwritten.
    """
    if not re.match(SLUG_RE, slug):
        raise ScaffoldError(f"{slug!r} is not a slug: use a-z, 0-9 and single hyphens")
    section = resolve_section(content_dir, section)
    group = group or default_group(content_dir, section)
    entry_path = content_dir / f"{slug}.md"
    if entry_path.exists():
        raise ScaffoldError(f"{entry_path} exists: choose another slug")
    files: dict[Path, str] = {}
    highlight = None
    name = None
    if example is not None:
        name = example or example_name(slug)
        if not re.match(EXAMPLE_RE, name):
            raise ScaffoldError(f"{name!r} is not an example name (a-z, 0-9, _)")
        if (examples_dir / name).exists() or (examples_dir / f"{name}.py").exists():
            raise ScaffoldError(f"examples/{name} exists: choose another name with --example")
        for relative, text in example_files(name, title, slug).items():
            files[examples_dir / relative] = text
        highlight = _highlight_line(files[examples_dir / name / "app.py"], name)
    text = entry_markdown(
        title=title,
        section=section,
        group=group,
        summary=summary,
        example=name,
        tags=tags,
        related=related,
        highlight=highlight,
    )
    try:
        parse_entry(text, entry_path)
    except EntryError as exc:
        raise ScaffoldError(exc.problem.message) from exc
    return Scaffold(entry_path, section, group, {entry_path: text, **files})


def write(plan: Scaffold) -> Scaffold:
    """Write the planned files (never overwriting one) and list the entry in the outline."""
    for path in plan.files:
        if path.exists():
            raise ScaffoldError(f"{path} exists: nothing was written")
    for path, text in plan.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    plan.outlined = add_to_outline(plan.entry.parent, plan.section, plan.group, plan.entry.stem)
    return plan


def add_to_outline(content_dir: Path, section: str, group: str, slug: str) -> bool:
    """Append ``slug`` to the group's ``topics: [...]`` line in ``_sections.yaml``.

    Only a one-line flow list is edited, and only when the result reads back as exactly
    that change; otherwise the file is left alone (an unlisted entry comes last in its
    group) and False is returned.
    """
    path = content_dir / OUTLINE_FILE
    if not path.is_file():
        return False
    text = path.read_text("utf-8")
    lines = text.splitlines(keepends=True)
    in_section = in_group = False
    for index, line in enumerate(lines):
        title = re.match(r"^(\s*)- title:\s*(.+?)\s*$", line)
        if title:
            value = yaml.safe_load(title[2])
            if not title[1]:
                in_section, in_group = value == section, False
            elif in_section:
                in_group = value == group
            continue
        topics = re.match(r"^(\s*topics:\s*\[)(.*)\](\s*)$", line)
        if in_section and in_group and topics:
            items = [t.strip() for t in topics[2].split(",") if t.strip()]
            lines[index] = f"{topics[1]}{', '.join([*items, slug])}]{topics[3]}"
            updated = "".join(lines)
            if _topics(updated, section, group) != [*_topics(text, section, group), slug]:
                return False
            path.write_text(updated, encoding="utf-8")
            return True
    return False


def _topics(text: str, section: str, group: str) -> list[str]:
    for item in yaml.safe_load(text) or []:
        if item.get("title") == section:
            for group_item in item.get("groups") or []:
                if group_item.get("title") == group:
                    return list(group_item.get("topics") or [])
    return []


def _highlight_line(app_source: str, name: str) -> int | None:
    first, last = symbol_lines(app_source, "create_app", f"{name}/app.py")
    for number, line in enumerate(app_source.splitlines()[first - 1 : last], start=1):
        if "raise HTTPException" in line:
            return number
    return None


_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .,&/()'’“”?!-]*$")


def _yaml_str(value: str) -> str:
    """``value`` as a YAML scalar: plain when that reads back the same, else double-quoted."""
    if _PLAIN.match(value) and ": " not in value and " #" not in value:
        try:
            if yaml.safe_load(value) == value:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


_APP = '''"""{docstring}"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Request, status
from pydantic import BaseModel, Field


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)


class Item(ItemIn):
    id: int


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.items = {{}}
    yield


def create_app() -> FastAPI:
    app = FastAPI(title={title}, lifespan=lifespan)

    @app.post("/items", status_code=status.HTTP_201_CREATED)
    async def create_item(item: ItemIn, request: Request) -> Item:
        items: dict[int, Item] = request.app.state.items
        created = Item(id=len(items) + 1, **item.model_dump())
        items[created.id] = created
        return created

    @app.get("/items/{{item_id}}")
    async def read_item(item_id: Annotated[int, Path(ge=1)], request: Request) -> Item:
        item = request.app.state.items.get(item_id)
        if item is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no item {{item_id}}")
        return item

    return app
'''

_TEST = """from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from .app import create_app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_an_item_is_created_and_read_back(client: TestClient) -> None:
    created = client.post("/items", json={"name": "first"})
    assert created.status_code == 201
    assert client.get(f"/items/{created.json()['id']}").json() == created.json()


def test_a_missing_item_is_a_404(client: TestClient) -> None:
    response = client.get("/items/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "no item 999"}
"""

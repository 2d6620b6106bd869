"""``kb check``: everything that can be wrong with entries and examples, found before a reader does."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path

from kb.consoles import console
from kb.content import catalogue as catalogue_module
from kb.content import render, sources
from kb.content.catalogue import Catalogue, Entry
from kb.content.entries import SLUG_RE, parse_entry
from kb.content.problems import EntryError, Problem
from kb.sandbox import examples
from kb.settings import Settings


async def check(settings: Settings, paths: Iterable[Path] = ()) -> list[Problem]:
    """Problems in the entries named by ``paths`` (all entries when empty)."""
    catalogue = catalogue_module.load(settings.content_dir, settings.examples_dir)
    wanted = [p.resolve() for p in paths]
    selected = _select(catalogue, wanted)
    problems = [p for p in catalogue.broken if _wanted(p.path, wanted)]
    for entry in selected:
        problems.extend(entry.problems)
        problems.extend(await check_example(catalogue, entry, settings.try_timeout))
    return sorted(set(problems))


@dataclasses.dataclass
class TextCheck:
    """An entry's text checked: the entry when its front matter is valid, and the problems."""

    entry: Entry | None
    problems: list[Problem]


def check_text(catalogue: Catalogue, slug: str, text: str) -> TextCheck:
    """What ``kb check`` finds in ``text`` as ``content/<slug>.md``, short of running the example.

    Front matter, includes, try-block syntax, related entries, the example's name, and
    links and anchors, checked against ``catalogue`` as if the entry were in it.
    """
    if not re.match(SLUG_RE, slug):
        where = catalogue.content_dir / "new-entry.md"
        return TextCheck(
            None, [Problem(where, 1, 1, "KB100", f"{slug!r} is not a slug (a-z, 0-9, -)")]
        )
    path = catalogue.content_dir / f"{slug}.md"
    try:
        source = parse_entry(text, path)
    except EntryError as exc:
        return TextCheck(None, [exc.problem])
    entry = catalogue_module.make_entry(source, render.render(source.body, catalogue.examples_dir))
    with_entry = dataclasses.replace(catalogue, entries={**catalogue.entries, slug: entry})
    entry.problems.extend(catalogue_module.reference_problems(with_entry, entry))
    entry.problems.sort()
    return TextCheck(entry, list(entry.problems))


def _select(catalogue: Catalogue, paths: list[Path]) -> list[Entry]:
    if not paths:
        return list(catalogue.entries.values())
    chosen = []
    for entry in catalogue.entries.values():
        path = entry.source.path.resolve()
        example = entry.meta.example
        for wanted in paths:
            in_example = (
                example
                and wanted.is_relative_to(catalogue.examples_dir)
                and (
                    wanted.relative_to(catalogue.examples_dir).parts[0].removesuffix(".py")
                    == example
                )
            )
            if wanted == path or (wanted.is_dir() and path.is_relative_to(wanted)) or in_example:
                chosen.append(entry)
                break
    return chosen


def _wanted(path: Path, paths: list[Path]) -> bool:
    return not paths or any(path == p or path.is_relative_to(p) for p in paths)


async def check_example(catalogue: Catalogue, entry: Entry, timeout: float) -> list[Problem]:
    """Import the entry's example, build its OpenAPI, and run its try blocks in order."""
    name = entry.meta.example
    path = entry.source.path
    if not name or sources.find(catalogue.examples_dir, name) is None:
        return []
    try:
        app = examples.build(catalogue.examples_dir, name)
    except examples.ExampleError as exc:
        return [Problem(path, _example_line(entry), 1, "KB501", str(exc))]
    try:
        app.openapi()
    except Exception as exc:
        return [Problem(path, _example_line(entry), 1, "KB502", f"OpenAPI does not build: {exc!r}")]
    running = examples.RunningApps()
    try:
        # Requests go through the started app, as a reader's do: it hands each one the
        # state the lifespan yielded and the example's .env.
        started = await running.start(entry.slug, app)
    except examples.ExampleError as exc:
        return [Problem(path, _example_line(entry), 1, "KB503", str(exc))]
    try:
        outcomes = await console.run_blocks(
            started, entry.mount, entry.rendered.try_blocks, timeout=timeout
        )
    finally:
        await running.aclose()
    problems: list[Problem] = []
    for number, outcome in enumerate(outcomes, start=1):
        line = entry.source.line_of(outcome.block.line)
        request = f"{outcome.block.method} {outcome.block.path}"
        problems.extend(
            Problem(path, line, 1, "KB601", f"try block {number} ({request}): {failure}")
            for failure in outcome.failures
        )
    return problems


def _example_line(entry: Entry) -> int:
    return catalogue_module.meta_line(entry.source, "example")

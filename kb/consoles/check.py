"""``kb check``: everything that can be wrong with entries and examples, found before a reader does."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from starlette.types import ASGIApp

from kb.consoles import console, cookies, websocket
from kb.content import catalogue as catalogue_module
from kb.content import render, sources, tryblocks, wsblocks
from kb.content.catalogue import Catalogue, Entry
from kb.content.entries import SLUG_HINT, SLUG_RE, parse_entry
from kb.content.problems import EntryError, Problem
from kb.sandbox import examples
from kb.sandbox.databases import ExampleDatabases
from kb.settings import Settings


class Watcher:
    """Told what :func:`check` is doing, for a progress line and the examples' captured
    output (``kb check``); this one does nothing."""

    def loading(self, done: int, total: int) -> None:
        """``done`` of ``total`` entry files have been read."""

    def selected(self, entries: Sequence[Entry]) -> None:
        """The entries that will be checked, in order."""

    @contextlib.contextmanager
    def checking(self, entry: Entry, number: int) -> Iterator[None]:
        """Around running entry ``number`` (from 1): its example and its try blocks."""
        yield

    def checked(self, entry: Entry, problems: list[Problem]) -> None:
        """The entry's problems, found."""


async def check(
    settings: Settings, paths: Iterable[Path] = (), watcher: Watcher | None = None
) -> list[Problem]:
    """Problems in the entries named by ``paths`` (all entries when empty)."""
    watcher = watcher or Watcher()
    catalogue = catalogue_module.load(
        settings.content_dir, settings.examples_dir, progress=watcher.loading
    )
    wanted = [p.resolve() for p in paths]
    selected = _select(catalogue, wanted)
    watcher.selected(selected)
    problems = [p for p in catalogue.broken if _wanted(p.path, wanted)]
    url = settings.examples_database_url
    databases = ExampleDatabases(url) if url else None
    for number, entry in enumerate(selected, start=1):
        found = list(entry.problems)
        with watcher.checking(entry, number):
            found.extend(
                await check_example(catalogue, entry, settings.try_timeout, databases=databases)
            )
        watcher.checked(entry, sorted(set(found)))
        problems.extend(found)
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
            None, [Problem(where, 1, 1, "KB100", f"The name {slug!r} is not a slug: {SLUG_HINT}.")]
        )
    path = catalogue.content_dir / f"{slug}.md"
    try:
        source = parse_entry(text, path)
    except EntryError as exc:
        return TextCheck(None, [exc.problem])
    rendered = render.render(source.body, catalogue.examples_dir)
    entry = catalogue_module.make_entry(source, rendered, examples_dir=catalogue.examples_dir)
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


async def check_example(
    catalogue: Catalogue,
    entry: Entry,
    timeout: float,
    databases: ExampleDatabases | None = None,
) -> list[Problem]:
    """Import the entry's example, build its OpenAPI, and run its try blocks in order;
    with ``databases``, an example that reads ``DATABASE_URL`` runs on PostgreSQL."""
    name = entry.meta.example
    path = entry.source.path
    if not name or sources.find(catalogue.examples_dir, name) is None:
        return []
    try:
        app = examples.build(catalogue.examples_dir, name, databases)
    except examples.ExampleError as exc:
        return [Problem(path, _example_line(entry), 1, "KB501", str(exc))]
    try:
        app.openapi()
    except Exception as exc:
        examples.release(app)  # never started, so no lifespan stop releases it
        return [Problem(path, _example_line(entry), 1, "KB502", f"OpenAPI does not build: {exc!r}")]
    running = examples.RunningApps()
    try:
        started = await running.start(entry.slug, app)
    except examples.ExampleError as exc:
        return [Problem(path, _example_line(entry), 1, "KB503", str(exc))]
    try:
        return await _run_in_order(started, entry, timeout)
    finally:
        await running.aclose()


async def _run_in_order(running: ASGIApp, entry: Entry, timeout: float) -> list[Problem]:
    """The entry's try blocks and WebSocket blocks, top to bottom, against one started
    instance: its lifespan state and its .env apply to both, as under uvicorn.

    Try blocks between two WebSocket blocks run together, as one run of the console's
    harness; captured values carry over from one run to the next.
    """
    path = entry.source.path
    rendered = entry.rendered
    blocks: list[tryblocks.TryBlock | wsblocks.WebSocketBlock] = sorted(
        [*rendered.try_blocks, *rendered.websocket_blocks], key=lambda block: block.line
    )
    # Carried from one run of try blocks to the next, as through one run of them all.
    variables: dict[str, str] = {}
    jar = cookies.Jar()
    problems: list[Problem] = []
    numbers = {id(block): n for n, block in enumerate(rendered.try_blocks, start=1)}
    numbers |= {id(block): n for n, block in enumerate(rendered.websocket_blocks, start=1)}
    for is_websocket, group in itertools.groupby(
        blocks, key=lambda block: isinstance(block, wsblocks.WebSocketBlock)
    ):
        if is_websocket:
            for block in group:
                assert isinstance(block, wsblocks.WebSocketBlock)
                where = f"WebSocket block {numbers[id(block)]} (WS {block.path})"
                try:
                    filled = block.with_values(variables)
                except tryblocks.UnknownVariable as exc:
                    line = entry.source.line_of(block.line)
                    problems.append(Problem(path, line, 1, "KB602", f"{where}: {exc.uncaptured}"))
                    continue
                played = await websocket.converse(running, entry.mount, filled, timeout=timeout)
                problems.extend(
                    Problem(
                        path,
                        entry.source.line_of(block.line_of(step) if step else block.line),
                        1,
                        "KB602",
                        f"{where}: {failure}",
                    )
                    for step, failure in played.failures
                )
            continue
        http = [block for block in group if isinstance(block, tryblocks.TryBlock)]
        outcomes = await console.run_blocks(
            running,
            entry.mount,
            http,
            timeout=timeout,
            files_dir=entry.files_dir,
            variables=variables,
            jar=jar,
        )
        for outcome in outcomes:
            request = f"{outcome.block.method} {outcome.block.path}"
            problems.extend(
                Problem(
                    path,
                    entry.source.line_of(outcome.block.line),
                    1,
                    "KB601",
                    f"try block {numbers[id(outcome.block)]} ({request}): {failure}",
                )
                for failure in outcome.failures
            )
    return problems


def _example_line(entry: Entry) -> int:
    return catalogue_module.meta_line(entry.source, "example")

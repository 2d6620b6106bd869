"""The running knowledge base: catalogue, search index and the readers' example sandboxes."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from kb.consoles.cookies import Jars
from kb.content import catalogue as catalogue_module
from kb.content.catalogue import Catalogue, Entry
from kb.content.problems import Problem
from kb.content.rendercache import RenderCache
from kb.lru import LRU
from kb.middleware.pagecache import PageCache
from kb.sandbox import examples
from kb.sandbox.databases import ExampleDatabases
from kb.sandbox.readers import PUBLIC
from kb.sandbox.sandboxes import Sandboxes
from kb.search.engine import SearchIndex
from kb.settings import Settings

log = logging.getLogger("kb")


@dataclass
class KnowledgeBase:
    settings: Settings
    catalogue: Catalogue = field(init=False)
    index: SearchIndex = field(init=False)
    sandboxes: Sandboxes = field(init=False)
    example_errors: dict[str, Problem] = field(default_factory=dict)
    examples_checked: asyncio.Event = field(default_factory=asyncio.Event)
    pages: PageCache = field(default_factory=PageCache)
    # Rendered search answers by URL; bounded, since readers can ask for anything.
    responses: PageCache = field(default_factory=lambda: PageCache(max_size=1024))
    # Console results rendered as fragments, by what they show (kb.web.tryit).
    fragments: LRU[tuple[Any, ...], bytes] = field(default_factory=lambda: LRU(max_size=256))
    # Urlencoded console forms read already, by entry and bytes (kb.web.tryit).
    forms: LRU[tuple[str, bytes], tuple[Any, ...]] = field(
        default_factory=lambda: LRU(max_size=256)
    )
    # Each reader's cookies for each entry's example, as their browser would keep them.
    cookie_jars: Jars = field(default_factory=Jars)
    _cache: RenderCache = field(init=False)
    databases: ExampleDatabases | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.settings.examples_database_url:
            self.databases = ExampleDatabases(self.settings.examples_database_url)
            log.info("examples that read DATABASE_URL run on %s", self.databases.describe())
        cache_dir = self.settings.cache_dir
        self._cache = RenderCache(cache_dir / "renders.db" if cache_dir else None)
        self.sandboxes = Sandboxes(
            self._build,
            max_per_example=self.settings.sandbox_max_per_example,
            idle_seconds=self.settings.sandbox_idle_seconds,
        )
        self.load_content()

    def load_content(self) -> None:
        """Read, render and index the content folder (rendering is cached by content hash)."""
        self.catalogue = catalogue_module.load(
            self.settings.content_dir, self.settings.examples_dir, self._cache
        )
        self.index = SearchIndex(
            self.catalogue,
            max_query=self.settings.search_max_query,
            timeout_ms=self.settings.search_timeout_ms,
            cache_dir=self.settings.cache_dir,
            cache_size=512 if self.settings.search_cache else 0,
        )
        self.pages.clear()
        self.responses.clear()
        self.fragments.clear()
        self.forms.clear()
        for problem in self.catalogue.problems():
            log.warning("%s", problem.format())

    def _build(self, slug: str) -> FastAPI:
        name = self.catalogue.entries[slug].meta.example
        assert name is not None
        return examples.build(self.settings.examples_dir, name, self.databases)

    async def start_examples(self) -> None:
        """Start every entry's example once, for the public sandbox, reporting failures.

        The app serves while this runs (``kb serve`` starts it in the background):
        ``examples_checked`` is set when every example has been tried.
        """
        try:
            for entry in self.catalogue.entries.values():
                await self.start_example(entry, restart=False)
                await asyncio.sleep(0)  # let waiting requests in between examples
        finally:
            self.examples_checked.set()

    async def start_example(self, entry: Entry, restart: bool = True) -> examples.RunningApp | None:
        """Start the entry's example; ``restart`` first closes every sandbox of it."""
        if not entry.meta.example:
            return None
        self.example_errors.pop(entry.slug, None)
        self.pages.clear()  # entry pages say whether the example runs
        if restart:
            await self.sandboxes.forget(entry.slug)
        try:
            return await self.sandboxes.get(PUBLIC, entry.slug)
        except examples.ExampleError as exc:
            self._failed(entry, exc)
            return None

    def _failed(self, entry: Entry, exc: examples.ExampleError) -> None:
        problem = Problem(entry.source.path, 1, 1, "KB501", str(exc))
        self.example_errors[entry.slug] = problem
        self.pages.clear()  # entry pages say whether the example runs
        log.error("%s", problem.format())

    def has_example(self, slug: str) -> bool:
        """Whether the entry has an example app that started."""
        entry = self.catalogue.entries.get(slug)
        return bool(entry and entry.meta.example and slug not in self.example_errors)

    async def example_app(self, slug: str, reader: str = PUBLIC) -> examples.RunningApp | None:
        """The reader's sandbox of the entry's example, or None when there is none."""
        if not self.has_example(slug):
            return None
        try:
            return await self.sandboxes.get(reader, slug)
        except examples.ExampleError as exc:
            if self.sandboxes.running(PUBLIC, slug):
                log.error("%s: %s", slug, exc)  # it ran before: this reader's start failed
            else:
                # Known at once, even when a reader gets there before the examples start.
                self._failed(self.catalogue.entries[slug], exc)
            return None

    def problems(self) -> list[Problem]:
        return sorted([*self.catalogue.problems(), *self.example_errors.values()])

    async def aclose(self) -> None:
        await self.sandboxes.aclose()

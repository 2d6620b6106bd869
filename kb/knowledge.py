"""The running knowledge base: catalogue, search index and started example apps."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from fastapi import FastAPI

from kb import catalogue as catalogue_module
from kb import examples
from kb.catalogue import Catalogue, Entry, RenderCache
from kb.problems import Problem
from kb.search import SearchIndex
from kb.settings import Settings

log = logging.getLogger("kb")


@dataclass
class KnowledgeBase:
    settings: Settings
    catalogue: Catalogue = field(init=False)
    index: SearchIndex = field(init=False)
    apps: examples.RunningApps = field(default_factory=examples.RunningApps)
    example_errors: dict[str, Problem] = field(default_factory=dict)
    _cache: RenderCache = field(init=False)

    def __post_init__(self) -> None:
        cache_dir = self.settings.cache_dir
        self._cache = RenderCache(cache_dir / "renders.db" if cache_dir else None)
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
        )
        for problem in self.catalogue.problems():
            log.warning("%s", problem.format())

    async def start_examples(self) -> None:
        for entry in self.catalogue.entries.values():
            await self.start_example(entry)

    async def start_example(self, entry: Entry) -> FastAPI | None:
        name = entry.meta.example
        if not name:
            return None
        self.example_errors.pop(entry.slug, None)
        try:
            app = examples.build(self.settings.examples_dir, name)
            return await self.apps.start(entry.slug, app)
        except examples.ExampleError as exc:
            problem = Problem(entry.source.path, 1, 1, "KB501", str(exc))
            self.example_errors[entry.slug] = problem
            log.error("%s", problem.format())
            return None

    def example_app(self, slug: str) -> FastAPI | None:
        return self.apps.get(slug)

    def problems(self) -> list[Problem]:
        return sorted([*self.catalogue.problems(), *self.example_errors.values()])

    async def aclose(self) -> None:
        await self.apps.aclose()

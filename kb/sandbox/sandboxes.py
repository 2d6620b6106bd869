"""Per-reader sandboxes: each reader gets their own instance of each example app.

An instance is a fresh import of the example (its module-level ``app``, or what its
``create_app()`` returns) with its lifespan entered; it is closed (lifespan exited)
when it is reset, when its example keeps more than ``max_per_example`` instances (the
least recently used goes), or when it has been idle for ``idle_seconds``.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI

from kb.sandbox import examples


@dataclass
class _Sandbox:
    app: examples.RunningApp
    running: examples.RunningApps
    last_used: float


class Sandboxes:
    def __init__(
        self,
        build: Callable[[str], FastAPI],
        *,
        max_per_example: int = 50,
        idle_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``build(slug)`` makes a new, not yet started app for an entry's example."""
        self.build = build
        self.max_per_example = max_per_example
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._by_slug: dict[str, OrderedDict[str, _Sandbox]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def __len__(self) -> int:
        return sum(len(sandboxes) for sandboxes in self._by_slug.values())

    async def get(self, reader: str, slug: str) -> examples.RunningApp:
        """The reader's instance of the entry's example, started on first use."""
        sandboxes = self._by_slug.setdefault(slug, OrderedDict())
        sandbox = sandboxes.get(reader)
        if sandbox is None:
            key = (reader, slug)
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = asyncio.Lock()
            async with lock:  # one start per reader and example, however many ask at once
                sandbox = sandboxes.get(reader)
                if sandbox is None:
                    running = examples.RunningApps()
                    app = await running.start(f"{slug}:{reader}", self.build(slug))
                    sandbox = _Sandbox(app, running, self.clock())
                    sandboxes[reader] = sandbox
            await self._evict(slug)
        sandbox.last_used = self.clock()
        sandboxes.move_to_end(reader)
        return sandbox.app

    def running(self, reader: str, slug: str) -> bool:
        return reader in self._by_slug.get(slug, {})

    async def reset(self, reader: str, slug: str) -> bool:
        """Close the reader's instance; the next request starts a fresh one."""
        sandbox = self._by_slug.get(slug, OrderedDict()).pop(reader, None)
        if sandbox is not None:
            await sandbox.running.aclose()
        self._locks.pop((reader, slug), None)
        return sandbox is not None

    async def _evict(self, slug: str) -> None:
        sandboxes = self._by_slug[slug]
        while len(sandboxes) > self.max_per_example:
            reader, sandbox = sandboxes.popitem(last=False)
            self._locks.pop((reader, slug), None)
            await sandbox.running.aclose()

    async def sweep(self) -> int:
        """Close sandboxes idle for longer than ``idle_seconds``; how many were closed."""
        deadline = self.clock() - self.idle_seconds
        closed = 0
        for slug, sandboxes in self._by_slug.items():
            for reader in [r for r, s in sandboxes.items() if s.last_used < deadline]:
                sandbox = sandboxes.pop(reader)
                self._locks.pop((reader, slug), None)
                await sandbox.running.aclose()
                closed += 1
        return closed

    async def forget(self, slug: str) -> None:
        """Close every sandbox of one example (its code changed)."""
        for reader in list(self._by_slug.get(slug, {})):
            await self.reset(reader, slug)

    async def aclose(self) -> None:
        for slug in list(self._by_slug):
            await self.forget(slug)

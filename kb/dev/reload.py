"""Development mode: watch content/ and examples/, reload in-process, refresh open pages.

On a change the catalogue and search index are reloaded (renders are cached, so only
changed entries render again), only the examples whose files changed are re-imported
and restarted, and every open page hears ``event: reload`` on ``/__dev/events`` (see
``static/dev-reload.js``). Template and static file changes only refresh the pages.
None of this is routed or loaded unless ``KB_DEV`` is on (``kb serve --reload``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import signal
import threading
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import watchfiles
from fastapi import Request
from fastapi.sse import ServerSentEvent

from kb.knowledge import KnowledgeBase

log = logging.getLogger("kb")

CONTENT_SUFFIXES = frozenset({".md", ".yaml", ".yml"})
EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Reload:
    """What one batch of file changes did."""

    paths: list[str]
    content: bool = False
    examples: list[str] = field(default_factory=list)  # example names re-imported
    restarted: list[str] = field(default_factory=list)  # entries whose example restarted
    stopped: list[str] = field(default_factory=list)  # entries gone, their examples stopped

    def as_dict(self) -> dict[str, Any]:
        return {
            "paths": self.paths,
            "content": self.content,
            "examples": self.examples,
            "restarted": self.restarted,
            "stopped": self.stopped,
        }


class DevReloader:
    def __init__(self, kb: KnowledgeBase, debounce_ms: int = 150) -> None:
        self.kb = kb
        self.debounce_ms = debounce_ms
        settings = kb.settings
        self.content_dir = settings.content_dir.resolve()
        self.examples_dir = settings.examples_dir.resolve()
        self.page_dirs = [settings.templates_dir.resolve(), settings.static_dir.resolve()]
        self._subscribers: set[asyncio.Queue[Reload | None]] = set()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._previous_handlers: dict[int, Any] = {}

    @property
    def watched(self) -> list[Path]:
        return [p for p in [self.content_dir, self.examples_dir, *self.page_dirs] if p.is_dir()]

    def start(self) -> None:
        """Start watching in the background (call from inside the running event loop)."""
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._watch(), name="kb-dev-reload")
        self._end_streams_on_exit()
        log.info("development mode: watching %s", ", ".join(str(p) for p in self.watched))

    async def _watch(self) -> None:
        async for changes in watchfiles.awatch(
            *self.watched, stop_event=self._stop, debounce=self.debounce_ms, step=50
        ):
            try:
                await self.apply(Path(path) for _, path in changes)
            except Exception:  # a bad edit must not stop the watcher
                log.exception("development reload failed")

    async def apply(self, paths: Iterable[Path]) -> Reload | None:
        """Reload what ``paths`` (changed files) affect and tell open pages; None if nothing."""
        changed = sorted({path.resolve() for path in paths})
        # Only what pages show: not an editor's temporary files beside an entry.
        changed = [
            p
            for p in changed
            if not p.is_relative_to(self.content_dir) or p.suffix in CONTENT_SUFFIXES
        ]
        content = any(p.is_relative_to(self.content_dir) for p in changed)
        names = sorted(
            {
                p.relative_to(self.examples_dir).parts[0].removesuffix(".py")
                for p in changed
                if p.is_relative_to(self.examples_dir) and p != self.examples_dir
            }
        )
        pages = any(p.is_relative_to(d) for p in changed for d in self.page_dirs)
        if not (content or names or pages):
            return None
        result = Reload([self._show(p) for p in changed], content=content, examples=names)
        async with self._lock:
            if content or names:
                await self._reload(changed, names, result)
        log.info("reloaded: %s", ", ".join(result.paths))
        self.publish(result)
        return result

    async def _reload(self, changed: list[Path], names: list[str], result: Reload) -> None:
        before = {slug: entry.meta.example for slug, entry in self.kb.catalogue.entries.items()}
        for path in changed:
            if path.suffix == ".py" and path.is_relative_to(self.examples_dir):
                # A bytecode file written in the same second as an edit can look current.
                with contextlib.suppress(OSError, ValueError):
                    Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)
        # Examples are shown by includes, so an example's change can change a render too.
        self.kb.load_content()
        entries = self.kb.catalogue.entries
        for slug in before.keys() - entries.keys():
            await self.kb.sandboxes.forget(slug)
            result.stopped.append(slug)
        for slug, entry in entries.items():
            example = entry.meta.example
            if not example and before.get(slug):
                await self.kb.sandboxes.forget(slug)
                result.stopped.append(slug)
            elif example and (example in names or before.get(slug) != example):
                await self.kb.start_example(entry)
                result.restarted.append(slug)

    def _show(self, path: Path) -> str:
        for root in (self.content_dir, self.examples_dir, *self.page_dirs):
            if path.is_relative_to(root):
                return f"{root.name}/{path.relative_to(root).as_posix()}"
        return str(path)

    def publish(self, event: Reload | None) -> None:
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    async def subscribe(self) -> AsyncIterator[Reload | None]:
        """Every reload from now on; ends when the reloader closes."""
        queue: asyncio.Queue[Reload | None] = asyncio.Queue(maxsize=100)
        self._subscribers.add(queue)
        try:
            while True:
                event = await queue.get()
                if event is None:
                    return
                yield event
        finally:
            self._subscribers.discard(queue)

    def _end_streams_on_exit(self) -> None:
        """End the open event streams as soon as the server is asked to stop.

        uvicorn waits for responses in progress before it stops (or restarts, under
        ``--reload``); an event stream never finishes by itself. Signals can only be
        handled in the main thread, so elsewhere (tests) this does nothing.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in EXIT_SIGNALS:
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def handle(number: int, frame: Any, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self.publish, None)
                previous(number, frame)

            self._previous_handlers[sig] = previous
            signal.signal(sig, handle)

    async def aclose(self) -> None:
        for sig, previous in self._previous_handlers.items():
            signal.signal(sig, previous)
        self._previous_handlers.clear()
        self._stop.set()
        self.publish(None)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


async def events(request: Request) -> AsyncIterator[ServerSentEvent]:
    """``GET /__dev/events``: a server-sent ``ready``, then a ``reload`` per change."""
    reloader: DevReloader = request.app.state.devreload
    yield ServerSentEvent(event="ready", data={"watching": len(reloader.watched)}, retry=1000)
    async for change in reloader.subscribe():
        if change is not None:
            yield ServerSentEvent(event="reload", data=change.as_dict())

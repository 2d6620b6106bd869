"""Example apps: importing ``examples/<name>`` and running each one's lifespan.

An example is ``examples/<name>.py`` or a package ``examples/<name>/`` exposing
``create_app() -> FastAPI``. The KB imports them under the package name
``kb_examples`` so that a custom ``--examples`` folder needs no ``__init__.py`` and
relative imports inside an example package work.
"""

from __future__ import annotations

import importlib
import sys
import threading
import traceback
import types
from contextlib import AsyncExitStack
from pathlib import Path

from fastapi import FastAPI

from kb.content.sources import PACKAGE, find

# Examples are imported and built one at a time in the whole process, whichever thread or
# event loop asks (each TestClient, and each uvicorn server in the tests, runs its own).
# Building a FastAPI app swaps the process-wide warning filters: FastAPI wraps every
# parameter's TypeAdapter in warnings.catch_warnings(), which is not thread-safe. Two
# builds at once restore each other's filter lists, so one of them loses FastAPI's
# "ignore" (and fails under filterwarnings = error) while an "ignore" outlives both.
_BUILDING = threading.RLock()


class ExampleError(Exception):
    """An example that cannot be imported or built; the message says where."""


def _package(examples_dir: Path) -> None:
    existing = sys.modules.get(PACKAGE)
    if existing is not None and list(getattr(existing, "__path__", [])) == [str(examples_dir)]:
        return
    forget(None)
    package = types.ModuleType(PACKAGE)
    package.__path__ = [str(examples_dir)]
    sys.modules[PACKAGE] = package


def forget(name: str | None) -> None:
    """Drop imported example modules (one example, or all) so the next import is fresh."""
    prefix = PACKAGE if name is None else f"{PACKAGE}.{name}"
    with _BUILDING:
        # list() copies at once: other threads' imports change sys.modules meanwhile.
        for module_name in [
            m for m in list(sys.modules) if m == prefix or m.startswith(prefix + ".")
        ]:
            sys.modules.pop(module_name, None)


def build(examples_dir: Path, name: str) -> FastAPI:
    """Import ``examples/<name>`` and call its ``create_app()``; one build at a time."""
    with _BUILDING:
        return _build(examples_dir.resolve(), name)


def _build(examples_dir: Path, name: str) -> FastAPI:
    source = find(examples_dir, name)
    if source is None:
        raise ExampleError(f"no example {name!r}: expected examples/{name}.py or examples/{name}/")
    _package(examples_dir)
    try:
        module = importlib.import_module(source.module_name)
    except Exception as exc:
        raise ExampleError(
            f"examples/{name} failed to import: {_where(exc, examples_dir)}"
        ) from exc
    factory = getattr(module, "create_app", None)
    if not callable(factory):
        raise ExampleError(f"examples/{name} has no create_app() function")
    try:
        app = factory()
    except Exception as exc:
        raise ExampleError(
            f"examples/{name}: create_app() failed: {_where(exc, examples_dir)}"
        ) from exc
    if not isinstance(app, FastAPI):
        raise ExampleError(
            f"examples/{name}: create_app() returned {type(app).__name__}, not a FastAPI app"
        )
    return app


def _where(exc: BaseException, examples_dir: Path) -> str:
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if Path(frame.filename).resolve().is_relative_to(examples_dir)
    ]
    message = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}: {message}"
    if frames:
        frame = frames[-1]
        return f"{frame.filename}:{frame.lineno}: {message}"
    return message


class RunningApps:
    """Example apps with their lifespans entered; each can be stopped on its own."""

    def __init__(self) -> None:
        self._running: dict[str, tuple[FastAPI, AsyncExitStack]] = {}

    def get(self, key: str) -> FastAPI | None:
        running = self._running.get(key)
        return running[0] if running else None

    def __len__(self) -> int:
        return len(self._running)

    async def start(self, key: str, app: FastAPI) -> FastAPI:
        await self.stop(key)
        stack = AsyncExitStack()
        try:
            # Starlette runs only the outer app's lifespan, never a mounted app's: enter it here.
            await stack.enter_async_context(app.router.lifespan_context(app))
        except Exception as exc:
            await stack.aclose()
            raise ExampleError(f"{key}: the lifespan failed to start: {exc!r}") from exc
        self._running[key] = (app, stack)
        return app

    async def stop(self, key: str) -> None:
        running = self._running.pop(key, None)
        if running is not None:
            await running[1].aclose()

    async def aclose(self) -> None:
        for key in list(self._running):
            await self.stop(key)

"""Example apps: importing ``examples/<name>`` and running each one's lifespan.

An example is ``examples/<name>.py`` or a package ``examples/<name>/``, written the way
FastAPI's own tutorials write one: a module-level ``app = FastAPI(...)``, or a
``create_app()`` factory. Each build imports the example afresh, in a namespace package
of its own (``kb_examples.s<n>``, so its loggers are all below ``kb_examples``), so that every sandbox has its own app and its own
module-level state: one reader's dicts, ``dependency_overrides`` or lifespan never
reach another's. A namespace lives until its app is stopped. Importing under a package
name also means a custom ``--examples`` folder needs no ``__init__.py``, and relative
imports inside an example package work as written.
"""

from __future__ import annotations

import importlib
import itertools
import sys
import threading
import traceback
import types
from collections.abc import Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from kb.content.sources import PACKAGE, ExampleSource, find
from kb.sandbox import environment
from kb.sandbox.databases import VARIABLE, DatabaseError, ExampleDatabases, SandboxDatabase

# Examples are imported and built one at a time in the whole process, whichever thread or
# event loop asks (each TestClient, and each uvicorn server in the tests, runs its own).
# Building a FastAPI app swaps the process-wide warning filters: FastAPI wraps every
# parameter's TypeAdapter in warnings.catch_warnings(), which is not thread-safe. Two
# builds at once restore each other's filter lists, so one of them loses FastAPI's
# "ignore" (and fails under filterwarnings = error) while an "ignore" outlives both.
_BUILDING = threading.RLock()


_namespaces = itertools.count(1)
# The namespace each built app was imported in, to drop its modules when it stops, the
# environment variables its example declares, and the database schema made for it.
_NAMESPACE_OF: dict[int, str] = {}
_ENVIRONMENT_OF: dict[int, dict[str, str]] = {}
_Database = tuple[ExampleDatabases, SandboxDatabase]
_DATABASE_OF: dict[int, _Database] = {}

PORTING = (
    "Import the example's own modules relatively (from . import models), never by an "
    "absolute name, so that each reader's sandbox gets its own copy; see CONTRIBUTING.md, "
    "'Porting an existing app'."
)


class ExampleError(Exception):
    """An example that cannot be imported or built; the message says where."""


def forget(namespace: str) -> None:
    """Drop the modules imported under ``namespace``, so that they can be collected."""
    with _BUILDING:
        # list() copies at once: other threads' imports change sys.modules meanwhile.
        for module_name in [
            m for m in list(sys.modules) if m == namespace or m.startswith(namespace + ".")
        ]:
            sys.modules.pop(module_name, None)


def namespace_of(app: FastAPI) -> str:
    """The package ``app``'s example was imported in: ``kb_examples.s<n>``."""
    return _NAMESPACE_OF[id(app)]


def database_of(app: FastAPI) -> SandboxDatabase | None:
    """The PostgreSQL schema made for ``app`` (kb.sandbox.databases), if one was."""
    database = _DATABASE_OF.get(id(app))
    return database[1] if database is not None else None


def release(app: FastAPI) -> None:
    """Forget the namespace ``app`` was built in and drop its database schema (nothing,
    for an app built elsewhere)."""
    namespace = _NAMESPACE_OF.pop(id(app), None)
    _ENVIRONMENT_OF.pop(id(app), None)
    if namespace is not None:
        forget(namespace)
    _drop(_DATABASE_OF.pop(id(app), None))


def _drop(database: _Database | None) -> None:
    if database is not None:
        databases, made = database
        databases.drop(made)


def build(examples_dir: Path, name: str, databases: ExampleDatabases | None = None) -> FastAPI:
    """A fresh copy of ``examples/<name>``: imported anew, its app made; one at a time.

    With ``databases``, an example that declares ``DATABASE_URL`` in its ``.env`` gets a
    PostgreSQL schema of its own there, named by that variable (kb.sandbox.databases);
    :func:`release` drops it.
    """
    with _BUILDING:
        return _build(examples_dir.resolve(), name, databases)


def _build(examples_dir: Path, name: str, databases: ExampleDatabases | None) -> FastAPI:
    source = find(examples_dir, name)
    if source is None:
        raise ExampleError(f"no example {name!r}: expected examples/{name}.py or examples/{name}/")
    if PACKAGE not in sys.modules:  # the parent of every namespace, and of their loggers
        parent = types.ModuleType(PACKAGE)
        parent.__path__ = []
        sys.modules[PACKAGE] = parent
    namespace = f"{PACKAGE}.s{next(_namespaces)}"
    package = types.ModuleType(namespace)
    package.__path__ = [str(examples_dir)]
    sys.modules[namespace] = package
    before = set(sys.modules)
    variables = environment.declared(source.path)
    database: _Database | None = None
    if databases is not None and VARIABLE in variables:
        try:
            database = (databases, databases.create())
        except DatabaseError as exc:
            forget(namespace)
            raise ExampleError(f"examples/{name}: {exc}") from exc
        variables = {**variables, VARIABLE: database[1].url}
    try:
        with environment.applied(variables):
            app = _app_of(source, namespace, examples_dir)
        _check_isolated(source, namespace, examples_dir, set(sys.modules) - before)
    except BaseException:
        forget(namespace)
        _drop(database)
        raise
    _NAMESPACE_OF[id(app)] = namespace
    _ENVIRONMENT_OF[id(app)] = variables
    if database is not None:
        _DATABASE_OF[id(app)] = database
    return app


def _app_of(source: ExampleSource, namespace: str, examples_dir: Path) -> FastAPI:
    name = source.name
    try:
        importlib.invalidate_caches()  # a file added since the last build is found
        module = importlib.import_module(f"{namespace}.{name}")
    except Exception as exc:
        hint = f" {PORTING}" if isinstance(exc, ModuleNotFoundError) else ""
        raise ExampleError(
            f"examples/{name} failed to import: {_where(exc, examples_dir)}{hint}"
        ) from exc
    factory = getattr(module, "create_app", None)
    if callable(factory):
        try:
            app = factory()
        except Exception as exc:
            raise ExampleError(
                f"examples/{name}: create_app() failed: {_where(exc, examples_dir)}"
            ) from exc
        made_by = "create_app() returned"
    elif hasattr(module, "app"):
        app, made_by = module.app, "its module-level app is"
    else:
        raise ExampleError(
            f"examples/{name} has neither a module-level app = FastAPI(...) nor a "
            "create_app() function"
        )
    if not isinstance(app, FastAPI):
        raise ExampleError(f"examples/{name}: {made_by} {type(app).__name__}, not a FastAPI app")
    return app


def _check_isolated(
    source: ExampleSource, namespace: str, examples_dir: Path, imported: set[str]
) -> None:
    """Refuse an example that imports its own files by absolute name: every sandbox would
    share those modules, and their state, whatever the namespace."""
    ours = [sys.modules[n] for n in sorted(imported) if n in sys.modules]
    ours += [
        value
        for module_name in list(sys.modules)
        if module_name.startswith(namespace + ".")
        for value in vars(sys.modules[module_name]).values()
        if isinstance(value, types.ModuleType)
    ]
    for module in ours:
        file = getattr(module, "__file__", None)
        if file is None or module.__name__.startswith(PACKAGE):
            continue
        if Path(file).resolve().is_relative_to(examples_dir):
            raise ExampleError(
                f"examples/{source.name} imports {module.__name__} ({file}) by an absolute "
                f"name, so all readers would share it. {PORTING}"
            )


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


class RunningApp:
    """A started example app as an ASGI app: each request gets its own copy of the
    state the app's lifespan yielded, as uvicorn gives it (``request.state.<name>``)."""

    def __init__(
        self,
        app: FastAPI,
        state: Mapping[str, Any] | None,
        variables: Mapping[str, str] | None = None,
    ) -> None:
        self.app = app
        self.lifespan_state: dict[str, Any] = dict(state or {})
        self.variables = dict(variables or {})  # from the example's .env

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "state": self.lifespan_state.copy()}
        if self.variables:
            with environment.applied(self.variables):
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class RunningApps:
    """Example apps with their lifespans entered; each can be stopped on its own."""

    def __init__(self) -> None:
        self._running: dict[str, tuple[RunningApp, AsyncExitStack]] = {}

    def get(self, key: str) -> RunningApp | None:
        running = self._running.get(key)
        return running[0] if running else None

    def __len__(self) -> int:
        return len(self._running)

    async def start(self, key: str, app: FastAPI) -> RunningApp:
        await self.stop(key)
        variables = _ENVIRONMENT_OF.get(id(app), {})
        stack = AsyncExitStack()
        stack.callback(release, app)
        try:
            # Starlette runs only the outer app's lifespan, never a mounted app's: enter
            # it here, and keep the state it yields for the app's requests.
            with environment.applied(variables):
                state = await stack.enter_async_context(app.router.lifespan_context(app))
        except Exception as exc:
            await stack.aclose()
            raise ExampleError(f"{key}: the lifespan failed to start: {exc!r}") from exc
        running = RunningApp(app, state, variables)
        self._running[key] = (running, stack)
        return running

    async def stop(self, key: str) -> None:
        running = self._running.pop(key, None)
        if running is not None:
            with environment.applied(running[0].variables):  # for the lifespan's shutdown
                await running[1].aclose()

    async def aclose(self) -> None:
        for key in list(self._running):
            await self.stop(key)

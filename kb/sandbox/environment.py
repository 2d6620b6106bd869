"""Environment variables an example declares, seen by that example alone.

An example may keep a ``.env`` file beside its code (``examples/<name>/.env`` for a
package, ``examples/<name>.env`` for a module), as FastAPI's settings tutorial does and
as ``uvicorn --env-file`` reads it when the example runs alone. The KB serves every
example from one process, so it cannot set those variables for real: ``os.environ``
is swapped, once an example declares any, for a mapping that also looks in the
variables of the example that is running in the current context (a
:class:`contextvars.ContextVar`, set while an example is imported, started and called).
Everything else sees the process's environment unchanged.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import types
from collections.abc import Iterator, Mapping
from pathlib import Path

from dotenv import dotenv_values

_NONE: Mapping[str, str] = types.MappingProxyType({})
_current: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "example_environment", default=_NONE
)


class ContextEnviron(os._Environ[str]):
    """``os.environ``, plus the running example's own variables (theirs win)."""

    def __getitem__(self, key: str) -> str:
        extra = _current.get()
        if key in extra:
            return extra[key]
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        # Straight to the storage, not Mapping's way (a lookup that raises KeyError when
        # the name is missing): libraries ask for unset names on every request
        # (OpenTelemetry, through FastAPI's telemetry, three times per request).
        return key in _current.get() or self.encodekey(key) in self._data  # type: ignore[attr-defined, arg-type]

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        extra = _current.get()
        if key in extra:
            return extra[key]
        value = self._data.get(self.encodekey(key))  # type: ignore[attr-defined]
        return default if value is None else self.decodevalue(value)

    def __iter__(self) -> Iterator[str]:
        extra = _current.get()
        yield from extra
        yield from (key for key in super().__iter__() if key not in extra)

    def __len__(self) -> int:
        extra = _current.get()
        return len(extra) + sum(1 for key in super().__iter__() if key not in extra)

    def copy(self) -> dict[str, str]:
        return dict(self)


def _install() -> None:
    current = os.environ
    if isinstance(current, ContextEnviron):
        return
    # The same underlying dict and codecs: writes through either object stay in step.
    # Not meant to clear anything (B003): the same variables, seen through the overlay.
    os.environ = ContextEnviron(  # noqa: B003
        current._data,  # type: ignore[attr-defined]  # os._Environ's own storage
        current.encodekey,
        current.decodekey,
        current.encodevalue,
        current.decodevalue,
    )


def declared(example_file: Path) -> dict[str, str]:
    """The variables in the ``.env`` beside an example (``example_file`` is its module or
    its package's ``__init__.py``); empty when it has none."""
    if example_file.name == "__init__.py":
        env_file = example_file.parent / ".env"
    else:
        env_file = example_file.with_suffix(".env")
    if not env_file.is_file():
        return {}
    values = {key: value for key, value in dotenv_values(env_file).items() if value is not None}
    if values:
        _install()
    return values


@contextlib.contextmanager
def applied(variables: Mapping[str, str]) -> Iterator[None]:
    """Within this block (and tasks it starts), ``os.environ`` includes ``variables``."""
    if not variables:
        yield
        return
    token = _current.set(variables)
    try:
        yield
    finally:
        _current.reset(token)

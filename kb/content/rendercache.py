"""Rendered entry bodies kept by a key of everything a render reads.

The key covers the entry file, the example files it may include, and the renderer
itself: the source of the modules that render and the versions of the libraries they
call. Changing any of them renders anew, with no version number to remember to bump.
A saved file that cannot be read is thrown away and rebuilt, never fatal.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import sqlite3
from contextlib import closing
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from kb.content import (
    assertions,
    bodies,
    highlight,
    hurl,
    jsonpath,
    render,
    tryblocks,
    variables,
    wsblocks,
)
from kb.content.entries import EntrySource
from kb.lru import LRU

log = logging.getLogger("kb")

# What a render's output depends on besides the entry and its example.
RENDERER_MODULES = (
    render,
    highlight,
    tryblocks,
    hurl,
    assertions,
    bodies,
    variables,
    wsblocks,
    jsonpath,
)
RENDERER_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "pygments")
RENDERS_KEPT = 4096
# What a saved render that no longer unpickles raises: a class renamed or moved, a field
# gone, a truncated value.
UNREADABLE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, IndexError)


@lru_cache(maxsize=1)
def renderer_fingerprint() -> bytes:
    digest = hashlib.sha256()
    for module in RENDERER_MODULES:
        digest.update(Path(module.__file__ or "").read_bytes())
    for name in RENDERER_LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}".encode())
    return digest.digest()


class RenderCache:
    """Rendered bodies keyed by a hash of everything a render reads, to skip re-rendering.

    With a ``path``, renders are also kept in a SQLite file, so that a restart with
    unchanged content renders nothing.
    """

    def __init__(self, path: Path | None = None) -> None:
        # Every edit in development mode makes a new key: the renders kept are bounded.
        self._rendered: LRU[str, render.Rendered] = LRU(RENDERS_KEPT)
        self._unsaved: dict[str, render.Rendered] = {}
        self.path = path
        self.hits = self.misses = 0

    def rendered(self, source: EntrySource, examples_dir: Path) -> tuple[str, render.Rendered]:
        """The entry's digest and its rendering, rendered only if not seen before."""
        key = self.key(source, examples_dir)
        rendered = self._rendered.get(key) or self._load(key)
        if rendered is None:
            self.misses += 1
            rendered = render.render(source.body, examples_dir)
            self._unsaved[key] = rendered
        else:
            self.hits += 1
        self._rendered.put(key, rendered)
        return key, rendered

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path)
        connection.execute(
            'create table if not exists "renders" ("key" text primary key, "value" blob)'
        )
        return connection

    def _load(self, key: str) -> render.Rendered | None:
        if self.path is None or not self.path.exists():
            return None
        try:
            with closing(self._connect()) as connection:
                row = connection.execute(
                    'select "value" from "renders" where "key" = ?', (key,)
                ).fetchone()
            return pickle.loads(row[0]) if row else None
        except (sqlite3.DatabaseError, *UNREADABLE) as exc:
            self._discard(exc)
            return None

    def preload(self) -> None:
        """Read every saved render at once: one query instead of one per entry."""
        if self.path is None or not self.path.exists():
            return
        try:
            with closing(self._connect()) as connection:
                rows = connection.execute('select "key", "value" from "renders"').fetchall()
            for key, value in rows:
                if self._rendered.get(key) is None:
                    self._rendered.put(key, pickle.loads(value))
        except (sqlite3.DatabaseError, *UNREADABLE) as exc:
            self._rendered.clear()
            self._discard(exc)

    def _discard(self, exc: BaseException) -> None:
        assert self.path is not None
        log.warning("render cache %s is unreadable (%s): rebuilding it", self.path, exc)
        self.path.unlink(missing_ok=True)

    def save(self) -> None:
        if self.path is None or not self._unsaved:
            return
        try:
            self._write()
        except sqlite3.DatabaseError as exc:
            self._discard(exc)
            self._write()
        self._unsaved.clear()

    def _write(self) -> None:
        with closing(self._connect()) as connection, connection:
            connection.executemany(
                'insert or replace into "renders" ("key", "value") values (?, ?)',
                [(k, pickle.dumps(v, pickle.HIGHEST_PROTOCOL)) for k, v in self._unsaved.items()],
            )

    @staticmethod
    def key(source: EntrySource, examples_dir: Path) -> str:
        digest = hashlib.sha256(renderer_fingerprint())
        digest.update(source.path.read_bytes())
        # Included files change what a body renders to, so they are part of the key.
        if source.meta.example:
            for path in sorted(examples_dir.glob(f"{source.meta.example}*")):
                for file in sorted([path] if path.is_file() else path.rglob("*.py")):
                    digest.update(file.relative_to(examples_dir).as_posix().encode())
                    digest.update(file.read_bytes())
        return digest.hexdigest()

"""The small JSONPath subset that try blocks use: ``$``, ``.name``, ``['name']`` and ``[0]``."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_STEP = re.compile(
    r"""\.(?P<name>[A-Za-z_][\w-]*)|\[(?P<index>-?\d+)\]|\[(?P<q>['"])(?P<key>.*?)(?P=q)\]"""
)


class JSONPathError(ValueError):
    pass


@lru_cache(maxsize=512)
def parse(path: str) -> tuple[str | int, ...]:
    """Split ``$.items[0].name`` into ``("items", 0, "name")``."""
    if not path.startswith("$"):
        raise JSONPathError(f"a JSONPath starts with '$': {path!r}")
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise JSONPathError(f"unsupported JSONPath at {path[position:]!r} in {path!r}")
        if match["name"] is not None:
            steps.append(match["name"])
        elif match["index"] is not None:
            steps.append(int(match["index"]))
        else:
            steps.append(match["key"])
        position = match.end()
    return tuple(steps)


_MISSING = object()


class NotFound(LookupError):
    """Nothing is at ``path`` in the document."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def find(document: Any, path: str) -> Any:
    """The value at ``path``, or raise :class:`NotFound` when there is none."""
    value: Any = document
    for step in parse(path):
        if isinstance(step, int) and isinstance(value, list):
            try:
                value = value[step]
            except IndexError:
                raise NotFound(path) from None
        elif isinstance(step, str) and isinstance(value, dict) and step in value:
            value = value[step]
        else:
            raise NotFound(path)
    return value

"""The entry format: YAML front matter validated by :class:`EntryMeta`, then Markdown."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import ErrorDetails

from kb.content.problems import EntryError, Problem, did_you_mean

SectionTitle = Literal[
    "Core Patterns",
    "Database Integration",
    "Authentication & Security",
    "API Design Principles",
    "Testing Strategies",
    "Best Practices",
]
SECTIONS: tuple[str, ...] = get_args(SectionTitle)
SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
EXAMPLE_RE = r"^[a-z_][a-z0-9_]*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_RE)]
Tag = Annotated[str, StringConstraints(pattern=SLUG_RE, max_length=40)]


class EntryMeta(BaseModel):
    """The front matter of ``content/<slug>.md``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Annotated[str, StringConstraints(min_length=3, max_length=80)]
    summary: Annotated[str, StringConstraints(min_length=10, max_length=240)] = Field(
        description="One sentence that says what the entry answers."
    )
    section: SectionTitle
    group: Annotated[str, StringConstraints(min_length=2, max_length=60)]
    tags: list[Tag] = Field(default_factory=list)
    example: Annotated[str, StringConstraints(pattern=EXAMPLE_RE)] | None = None
    related: list[Slug] = Field(default_factory=list)
    updated: dt.date


@dataclass(frozen=True)
class EntrySource:
    """An entry file split into validated metadata and its Markdown body."""

    slug: str
    path: Path
    meta: EntryMeta
    body: str
    body_line: int  # the 1-based line of the file where the body starts
    raw_meta: dict[str, object]
    field_lines: dict[str, int] = field(default_factory=dict)  # front matter key -> file line

    def line_of(self, body_line: int) -> int:
        """File line of a 0-based line of the body."""
        return self.body_line + body_line


_FENCE = "---"
# libyaml's loader when PyYAML was built with it: the same safe subset, many times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_entry(path: Path) -> EntrySource:
    """Parse and validate one entry file; raise :class:`EntryError` saying where it is wrong."""
    _check_slug(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        message = f"The file is not UTF-8 text ({exc}): save it as UTF-8."
        raise EntryError(Problem(path, 1, 1, "KB101", message)) from exc
    return parse_entry(text, path)


def parse_entry(text: str, path: Path) -> EntrySource:
    """Parse and validate an entry's text as if it were the file ``path`` (which need not exist)."""
    slug = _check_slug(path)
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != _FENCE:
        raise EntryError(Problem(path, 1, 1, "KB102", _NO_FRONT_MATTER))
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == _FENCE), None)
    if end is None:
        message = "The front matter is not closed: end it with a line of `---`."
        raise EntryError(Problem(path, 1, 1, "KB102", message))
    try:
        raw = yaml.load("".join(lines[1:end]), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 2
        col = mark.column + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        message = f"The front matter is not valid YAML: {problem}."
        raise EntryError(Problem(path, line, col, "KB103", message)) from exc
    if not isinstance(raw, dict):
        message = (
            "The front matter must be fields, one `name: value` a line, not a list or a value."
        )
        raise EntryError(Problem(path, 2, 1, "KB103", message))
    try:
        meta = EntryMeta.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else ""
        line = _front_matter_line(lines[1:end], name)
        message = front_matter_message(error)
        raise EntryError(Problem(path, line, 1, "KB104", message)) from exc
    return EntrySource(
        slug=slug,
        path=path,
        meta=meta,
        body="".join(lines[end + 1 :]),
        body_line=end + 2,
        raw_meta=raw,
        field_lines=_field_lines(lines[1:end]),
    )


def _check_slug(path: Path) -> str:
    if not re.match(SLUG_RE, path.stem):
        message = f"The file name {path.name!r} is not a slug: {SLUG_HINT}."
        raise EntryError(Problem(path, 1, 1, "KB100", message))
    return path.stem


SLUG_HINT = "use lower-case letters, digits and single hyphens, like `error-handling`"
_NO_FRONT_MATTER = (
    "The entry has no front matter: start the file with a line of `---`, "
    "then its fields (title, summary, section, group, updated), then another `---`."
)
# What each front matter field holds, said when it is missing or wrong.
_FIELDS = {
    "title": "the entry's title, 3 to 80 characters",
    "summary": "one sentence that says what the entry answers, 10 to 240 characters",
    "section": "one of " + ", ".join(repr(s) for s in SECTIONS),
    "group": "the group of the section the entry belongs to",
    "tags": "a list of slugs, like `tags: [errors, validation]`",
    "example": "the name of the example app in examples/, like `query_parameters`",
    "related": "a list of entry slugs, like `related: [cors, rate-limiting]`",
    "updated": "the day of the last real change, like `updated: 2026-11-30`",
}


def front_matter_message(error: ErrorDetails) -> str:
    """One of pydantic's errors about the front matter, said in plain words."""
    loc = error["loc"]
    name = str(loc[0]) if loc else ""
    kind = error["type"]
    value = error.get("input")
    hint = _FIELDS.get(name, "")
    if kind == "missing":
        noun = "`updated` date" if name == "updated" else f"`{name}`"
        return f"The front matter has no {noun}: add {hint}."
    if kind == "extra_forbidden":
        return (
            f"The front matter has a field `{name}` that entries do not have"
            f"{did_you_mean(name, list(_FIELDS))}; the fields are {', '.join(_FIELDS)}."
        )
    if name == "section" and kind == "literal_error":
        return (
            f"The section {str(value)!r} is not one of the six"
            f"{did_you_mean(str(value), list(SECTIONS))}; use {hint}."
        )
    if name == "updated" and kind.startswith(("date", "datetime")):
        return f"The `updated` date {str(value)!r} is not a date: write {hint}."
    if kind == "string_too_short":
        return f"The `{name}` is too short: {hint}."
    if kind == "string_too_long":
        return f"The `{name}` is too long ({len(str(value))} characters): {hint}."
    if kind == "string_pattern_mismatch":
        what = {"tags": "tag", "related": "related entry"}.get(name, f"`{name}`")
        rule = "a module name (a-z, 0-9, _)" if name == "example" else "a slug"
        fix = f"write {hint}" if name == "example" else SLUG_HINT
        return f"The {what} {str(value)!r} is not {rule}: {fix}."
    if kind == "list_type":
        return f"The `{name}` must be a list: {hint}."
    if hint:
        detail = error["msg"].removeprefix("Value error, ")
        return f"The `{name}` is not valid ({detail}): it is {hint}."
    return f"The front matter is not valid: {error['msg']}."


def _field_lines(lines: list[str]) -> dict[str, int]:
    """The file line of each top-level key of the front matter (its first line is line 2)."""
    found: dict[str, int] = {}
    for number, line in enumerate(lines, start=2):
        key, colon, _ = line.partition(":")
        if colon and key and not line[0].isspace() and not key.startswith(("#", "-")):
            found.setdefault(key.strip(), number)
    return found


def _front_matter_line(lines: list[str], name: str) -> int:
    return _field_lines(lines).get(name, 1) if name else 1

"""The text ``kb new`` writes in a new entry's body, and the TODO placeholders in it.

A placeholder is a paragraph (or front matter value) that starts with ``TODO:``, outside
code. An entry whose body is still exactly what ``kb new`` wrote is a *fresh scaffold*: its
placeholders are expected, and it passes ``kb check`` so that a new entry can be checked
and served at once. Once the body is edited, a placeholder left in it is a problem
(``KB701``): the entry is being written and must not be published half-done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.content.entries import EntrySource
from kb.content.problems import Problem

TODO = "TODO:"
PLACEHOLDER_CODE = "KB701"
# A placeholder starts a line of prose, perhaps as a list item or a quote.
_PROSE_TODO = re.compile(r"^\s{0,3}(?:(?:[-*+]|\d+[.)]|>)\s+)*TODO:")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HIGHLIGHT = re.compile(
    r'^```python include="[^"]+" symbol="create_app"(?: highlight="(\d+)")?$', re.M
)


@dataclass(frozen=True)
class Placeholder:
    line: int  # in the file, from 1
    text: str  # the placeholder's line, shortened


def body(example: str | None, highlight: int | None = None) -> str:
    """The body of a new entry (everything after its front matter)."""
    text = _HEAD
    if example:
        emphasis = f' highlight="{highlight}"' if highlight else ""
        text += _PATTERN.format(example=example, highlight=emphasis) + _TRY
    else:
        text += _PATTERN_NO_EXAMPLE
    return text + _TAIL


def is_fresh(source: EntrySource) -> bool:
    """Whether the body is what ``kb new`` wrote for the entry's example, untouched.

    Line endings and blank space at the ends of the body do not count; the front matter
    may have been filled in; the include's ``highlight`` may name any line (it follows the
    example's code). Anything else edited, and the entry is no longer fresh.
    """
    text = source.body.replace("\r\n", "\n").strip()
    found = _HIGHLIGHT.search(text)
    highlight = int(found[1]) if found and found[1] else None
    return text == body(source.meta.example, highlight).strip()


def placeholders(source: EntrySource) -> list[Placeholder]:
    """The TODO placeholders of the front matter's values and of the body's prose."""
    found = [
        Placeholder(source.field_lines.get(name, 1), f"{name}: {value}")
        for name, value in source.meta.model_dump().items()
        if isinstance(value, str) and value.startswith(TODO)
    ]
    fence = ""
    for number, line in enumerate(source.body.splitlines()):
        opening = _FENCE.match(line)
        if fence:
            closing = line.strip()
            if closing and set(closing) == {fence[0]} and len(closing) >= len(fence):
                fence = ""
            continue
        if opening:
            fence = opening[1]
        elif _PROSE_TODO.match(line):
            found.append(Placeholder(source.line_of(number), _shorten(line.strip())))
    return sorted(found, key=lambda p: p.line)


def problems(source: EntrySource) -> list[Problem]:
    """A problem per placeholder, unless the entry is a fresh scaffold."""
    found = placeholders(source)
    if not found or is_fresh(source):
        return []
    return [
        Problem(
            source.path,
            p.line,
            1,
            PLACEHOLDER_CODE,
            f"The scaffold's placeholder is still here: “{p.text}” Replace it with your text, "
            "or delete it.",
        )
        for p in found
    ]


def _shorten(text: str, limit: int = 80) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


_HEAD = """
## The problem

TODO: what goes wrong without this pattern: the bug, the leak or the slow endpoint a reader
has run into. Write in the second person and the present tense; explain *why*, and let the
included code show *what*.
"""

_PATTERN = """
## The pattern

TODO: the idea in a few sentences. The code below comes from the example app, so the page
always shows the code the tests run; the highlighted line is the one to notice.

```python include="{example}/app.py" symbol="create_app"{highlight}
```
"""

_PATTERN_NO_EXAMPLE = """
## The pattern

TODO: the idea in a few sentences, with the code that shows it.
"""

_TRY = """
## Try it

Create an item; the response carries the id it was given:

```hurl
POST /items
Content-Type: application/json

{"name": "first"}
HTTP 201
[Captures]
item_id: jsonpath "$.id"
[Asserts]
jsonpath "$.name" == "first"
```

Read it back with the captured id:

```hurl
GET /items/{{item_id}}
HTTP 200
[Asserts]
jsonpath "$.name" == "first"
```

An item that does not exist is a 404 with a reason, not a 200 with `null`:

```hurl
GET /items/999
HTTP 404
[Asserts]
jsonpath "$.detail" == "no item 999"
```
"""

_TAIL = """
## Pitfalls

TODO: the anti-patterns, and how each one bites.

## Libraries that do this

TODO: the well-kept packages that do this job, each linked to its PyPI page
(`[name](https://pypi.org/project/name/)`), and when to reach for one instead of the
pattern; or what FastAPI and the standard library already give.

## In production

TODO: what changes under real load, with real data, behind a proxy.

## Related

TODO: link two or more related entries, as `[Title](/patterns/<slug>)`, and list their
slugs under `related:` in the front matter.
"""

"""What the index holds for an entry: its text by column, its sections, its example's code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kb.content.catalogue import Entry

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*[A-Za-z0-9](?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_CAMEL_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_ROUTE = re.compile(
    r"""@\w+\.(get|post|put|patch|delete|head|options)\(\s*["']([^"']+)["']""", re.IGNORECASE
)


def split_identifiers(text: str) -> str:
    """The words inside identifiers: ``response_model`` → ``response model``,
    ``OAuth2PasswordBearer`` → ``O Auth 2 Password Bearer``, ``a.b`` → ``a b``."""
    parts: list[str] = []
    # In order of first appearance, never a set's: the words' order decides which are
    # next to each other, which phrase and NEAR queries read (and a set's order changes
    # with each process's hash seed).
    for identifier in dict.fromkeys(_IDENTIFIER.findall(text)):
        pieces = [p for chunk in re.split(r"[._]", identifier) for p in _CAMEL_PART.findall(chunk)]
        if len(pieces) > 1:
            parts.extend(pieces)
    return " ".join(parts)


def example_text(entry: Entry, examples_dir: Path) -> tuple[str, str]:
    """The example's source and its routes (``POST /token``), for code-aware search."""
    name = entry.meta.example
    if not name:
        return "", ""
    module = examples_dir / f"{name}.py"
    files = [module] if module.is_file() else sorted((examples_dir / name).rglob("*.py"))
    source = "\n".join(f.read_text("utf-8", errors="replace") for f in files if f.is_file())
    routes = " ".join(f"{m.upper()} {p}" for m, p in _ROUTE.findall(source))
    return source, routes


def entry_text(entry: Entry, examples_dir: Path) -> dict[str, str]:
    sections = entry.rendered.sections
    source, routes = example_text(entry, examples_dir)
    identifiers = " ".join(s.identifiers for s in sections)
    code = "\n".join([*(s.code for s in sections), routes])
    return {
        "title": entry.meta.title,
        "headings": " ".join(s.title for s in sections if s.title),
        "identifiers": identifiers,
        "tags": " ".join(entry.meta.tags),
        "summary": entry.meta.summary,
        "body": " ".join(s.text for s in sections),
        "code": code + "\n" + source,
        "parts": split_identifiers(" ".join([identifiers, code, source])),
    }


def section_rows(entry: Entry, first_id: int) -> Iterator[dict[str, object]]:
    for number, section in enumerate(entry.rendered.sections, start=first_id):
        yield {
            "id": number,
            "slug": entry.slug,
            "anchor": section.anchor,
            "heading": section.title,
            "identifiers": section.identifiers,
            "body": section.text,
            "code": section.code,
            "parts": split_identifiers(" ".join([section.identifiers, section.code])),
        }

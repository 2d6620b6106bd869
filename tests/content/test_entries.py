import datetime as dt
from pathlib import Path

import pytest

from kb.content.entries import parse_entry, read_entry
from kb.content.problems import EntryError

VALID = """---
title: Sample entry
summary: A sample entry used by the tests of the entry format.
section: Core Patterns
group: Route Organization
tags: [sample, testing]
example: sample
related: [other-entry]
updated: 2026-11-26
---

## Body

Text.
"""


def write(tmp_path: Path, text: str, name: str = "sample-entry.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_entry_is_read(tmp_path: Path) -> None:
    source = read_entry(write(tmp_path, VALID))
    assert source.slug == "sample-entry"
    assert source.meta.title == "Sample entry"
    assert source.meta.updated == dt.date(2026, 11, 26)
    assert source.meta.tags == ["sample", "testing"]
    assert source.body.startswith("\n## Body")
    assert source.body_line == 11
    assert source.line_of(1) == 12  # the "## Body" line


@pytest.mark.parametrize(
    ("text", "name", "line", "code", "message"),
    [
        ("no front matter", "sample-entry.md", 1, "KB102", "has no front matter"),
        ("---\ntitle: x\n", "sample-entry.md", 1, "KB102", "not closed"),
        ("---\ntitle: [unclosed\n---\n", "sample-entry.md", 3, "KB103", "not valid YAML"),
        ("---\n- a list\n---\n", "sample-entry.md", 2, "KB103", "must be fields"),
        (VALID.replace("Core Patterns", "Cooking"), "sample-entry.md", 4, "KB104", "section"),
        (
            VALID.replace("updated: 2026-11-26", "updated: soon"),
            "sample-entry.md",
            9,
            "KB104",
            "updated",
        ),
        (
            VALID.replace("tags: [sample, testing]", "tags: [Not A Slug]"),
            "sample-entry.md",
            6,
            "KB104",
            "The tag 'Not A Slug'",
        ),
        (VALID.replace("title: Sample entry\n", ""), "sample-entry.md", 1, "KB104", "title"),
        (VALID.replace("group:", "colour: red\ngroup:"), "sample-entry.md", 5, "KB104", "colour"),
        (VALID, "Bad Name.md", 1, "KB100", "not a slug"),
    ],
)
def test_problems_name_the_line_and_the_reason(
    tmp_path: Path, text: str, name: str, line: int, code: str, message: str
) -> None:
    path = write(tmp_path, text, name)
    with pytest.raises(EntryError) as info:
        read_entry(path)
    problem = info.value.problem
    assert (problem.path, problem.line, problem.code) == (path, line, code)
    assert message in problem.message
    assert problem.format().startswith(f"{path}:{line}:1: {code} ")


def test_non_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    with pytest.raises(EntryError, match="KB101"):
        read_entry(path)


def test_an_unknown_section_suggests_the_closest(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("Core Patterns", "core pattern"))
    with pytest.raises(EntryError) as info:
        read_entry(path)
    problem = info.value.problem
    assert (problem.line, problem.code) == (4, "KB104")
    assert problem.message.startswith(
        "The section 'core pattern' is not one of the six (did you mean 'Core Patterns'?); "
        "use one of 'Core Patterns', "
    )


def test_text_is_parsed_as_if_it_were_the_file(tmp_path: Path) -> None:
    path = tmp_path / "not-written-yet.md"
    source = parse_entry(VALID, path)
    assert (source.slug, source.path, source.meta.title) == (
        "not-written-yet",
        path,
        "Sample entry",
    )
    assert source.field_lines["related"] == 8 and source.field_lines["example"] == 7
    assert not path.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("updated: 2026-11-26\n", ""),
            "The front matter has no `updated` date: add the day of the last real change, "
            "like `updated: 2026-11-30`.",
        ),
        (
            ("updated: 2026-11-26", "updated: soon"),
            "The `updated` date 'soon' is not a date: write the day of the last real change, "
            "like `updated: 2026-11-30`.",
        ),
        (
            ("group:", "colour: red\ngroup:"),
            "The front matter has a field `colour` that entries do not have; the fields are "
            "title, summary, section, group, tags, example, related, updated.",
        ),
        (
            ("group:", "tag: [a]\ngroup:"),
            "The front matter has a field `tag` that entries do not have (did you mean 'tags'?); "
            "the fields are title, summary, section, group, tags, example, related, updated.",
        ),
        (
            ("tags: [sample, testing]", "tags: [Not A Slug]"),
            "The tag 'Not A Slug' is not a slug: use lower-case letters, digits and single "
            "hyphens, like `error-handling`.",
        ),
        (("tags: [sample, testing]", "tags: sample"), "The `tags` must be a list: "),
        (("title: Sample entry", "title: ab"), "The `title` is too short: the entry's title, 3"),
        (("example: sample", "example: Sample"), "The `example` 'Sample' is not a module name"),
    ],
)
def test_front_matter_problems_are_said_in_plain_words(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(EntryError) as info:
        read_entry(write(tmp_path, VALID.replace(*change)))
    problem = info.value.problem
    assert problem.message.startswith(message)
    assert "Field required" not in problem.message and "Input should" not in problem.message
    assert problem.plain() == f"{problem.message} (KB104)"

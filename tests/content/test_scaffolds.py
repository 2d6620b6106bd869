import datetime as dt
from pathlib import Path

import pytest

from kb.content import scaffolds
from kb.content.entries import parse_entry
from kb.contribute.scaffold import entry_markdown

PATH = Path("/site/content/new-entry.md")


def scaffold_text(example: str | None = "new_entry", highlight: int | None = 12) -> str:
    return entry_markdown(
        title="New Entry",
        section="Core Patterns",
        group="Basics",
        example=example,
        highlight=highlight,
        updated=dt.date(2026, 11, 30),
    )


@pytest.mark.parametrize(
    ("example", "highlight"), [("new_entry", 12), ("new_entry", None), (None, None)]
)
def test_a_fresh_scaffold_has_placeholders_and_no_problems(
    example: str | None, highlight: int | None
) -> None:
    source = parse_entry(scaffold_text(example, highlight), PATH)
    assert scaffolds.is_fresh(source)
    assert scaffolds.problems(source) == []
    found = scaffolds.placeholders(source)
    # The summary, the problem, the pattern, pitfalls, libraries, production, related.
    assert len(found) == 7
    assert found[0] == scaffolds.Placeholder(
        3, "summary: TODO: one sentence that says what “New Entry” answers."
    )
    lines = scaffold_text(example, highlight).splitlines()
    for placeholder in found[1:]:
        assert lines[placeholder.line - 1].startswith("TODO: ")
        assert placeholder.text.startswith("TODO: ") and len(placeholder.text) <= 80


def test_front_matter_filled_in_and_crlf_keep_a_scaffold_fresh() -> None:
    text = scaffold_text().replace(
        "TODO: one sentence that says what “New Entry” answers.", "Says what it answers."
    )
    text = text.replace("title: New Entry", "title: Another Title").replace("\n", "\r\n")
    source = parse_entry(text + "\r\n\r\n", PATH)
    assert scaffolds.is_fresh(source)
    assert scaffolds.problems(source) == []
    # Any highlighted line: it follows the example's code, which the author may change.
    source = parse_entry(scaffold_text(highlight=3), PATH)
    assert scaffolds.is_fresh(source)


def test_an_edited_scaffold_reports_each_placeholder_left_at_its_line() -> None:
    text = scaffold_text().replace(
        "TODO: the anti-patterns, and how each one bites.", "Blocking calls in async routes."
    )
    source = parse_entry(text, PATH)
    assert not scaffolds.is_fresh(source)
    problems = scaffolds.problems(source)
    assert [p.code for p in problems] == ["KB701"] * 6
    lines = text.splitlines()
    assert problems[0].line == 3  # the summary, in the front matter
    for problem in problems[1:]:
        assert lines[problem.line - 1].startswith("TODO: ")
    assert problems[1].message == (
        "The scaffold's placeholder is still here: “TODO: what goes wrong without this "
        "pattern: the bug, the leak or the slow…” Replace it with your text, or delete it."
    )
    assert problems[1].plain().endswith(" (KB701)")


def test_only_a_placeholder_in_prose_counts() -> None:
    text = (
        scaffold_text(example=None).split("\n## The problem")[0]
        + "\n## Todos\n\n"
        + "A todo list app keeps its TODO: items in a table.\n\n"
        + "```python\n# TODO: not prose\n```\n\n"
        + "~~~~\n```\nTODO: still code\n```\n~~~~\n\n"
        + "    indented code is not a fence, but TODO: is mid-line here\n\n"
        + "- TODO: a list item is prose\n"
        + "> TODO: so is a quote\n"
    )
    source = parse_entry(text, PATH)
    found = [p.text for p in scaffolds.placeholders(source)]
    assert found == [
        "summary: TODO: one sentence that says what “New Entry” answers.",
        "- TODO: a list item is prose",
        "> TODO: so is a quote",
    ]
    assert [p.code for p in scaffolds.problems(source)] == ["KB701"] * 3


def test_an_entry_without_placeholders_has_no_problems() -> None:
    text = scaffold_text(example=None)
    text = text.replace("TODO: one sentence that says what “New Entry” answers.", "It answers all.")
    text = "\n".join(line.removeprefix("TODO: ") for line in text.splitlines())
    source = parse_entry(text, PATH)
    assert scaffolds.placeholders(source) == []
    assert scaffolds.problems(source) == []

"""Rendering, tested against golden files: tests/fixtures/render/NAME.md → NAME.html.

Set KB_REGENERATE_GOLDEN=1 to rewrite the .html files after an intended change, then
review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.content import render

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOLDEN = sorted((FIXTURES / "render").glob("*.md"))


def render_fixture(path: Path) -> render.Rendered:
    return render.render(path.read_text("utf-8"), FIXTURES / "examples")


def serialise(rendered: render.Rendered) -> str:
    pieces = [
        part if isinstance(part, str) else f"<!-- console {part} -->\n" for part in rendered.parts
    ]
    return "".join(pieces)


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden(path: Path) -> None:
    actual = serialise(render_fixture(path))
    golden = path.with_suffix(".html")
    if os.environ.get("KB_REGENERATE_GOLDEN"):
        golden.write_text(actual, "utf-8")
    assert actual == golden.read_text("utf-8")


def test_raw_html_and_javascript_links_never_render() -> None:
    html = render_fixture(FIXTURES / "render" / "basics.md").html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


def test_headings_links_and_sections_are_collected() -> None:
    rendered = render_fixture(FIXTURES / "render" / "basics.md")
    assert [(h.level, h.anchor, h.text) for h in rendered.headings] == [
        (2, "a-heading-with-code", "A heading with code"),
        (3, "smaller", "Smaller"),
    ]
    assert rendered.links == [("/patterns/other#part", 2)]
    assert [s.anchor for s in rendered.sections] == ["a-heading-with-code", "smaller"]
    assert rendered.sections[1].code == "x = 1\n"


def test_an_include_shows_the_symbol_with_file_line_numbers_and_highlights() -> None:
    rendered = render_fixture(FIXTURES / "render" / "include.md")
    assert rendered.problems == []
    assert [(i.path, i.first, i.last) for i in rendered.includes] == [
        ("sample.py", 11, 12),
        ("sample.py", 6, 7),
        ("sample.py", 25, 27),
    ]
    assert rendered.html.count('class="hll"') == 1
    assert '<span class="normal">11</span>' in rendered.html


def test_a_symbol_prefers_a_function_over_an_earlier_variable_of_that_name() -> None:
    # sample.py has a local "ping" in a later function and the endpoint "ping" in create_app.
    rendered = render.render(
        '```python include="sample.py" symbol="ping"\n```', FIXTURES / "examples"
    )
    assert rendered.problems == []
    assert [(i.first, i.last) for i in rendered.includes] == [(18, 20)]


def test_a_try_block_becomes_a_console_part() -> None:
    rendered = render_fixture(FIXTURES / "render" / "tryblock.md")
    assert [type(p).__name__ for p in rendered.parts] == ["str", "int", "str"]
    assert rendered.try_blocks[0].line == 2


def test_a_websocket_block_is_kept_for_the_checks_and_shown_for_the_player() -> None:
    rendered = render_fixture(FIXTURES / "render" / "websocket.md")
    assert [(p.code, p.line) for p in rendered.problems] == [("KB302", 17)]
    [block] = rendered.websocket_blocks
    assert (block.path, block.line, len(block.steps)) == ("/ws/echo?token=t-alice", 2, 4)
    assert rendered.try_blocks == []
    # The player's data is escaped into an attribute: the message's markup stays text.
    assert 'data-ws="{&quot;path&quot;' in rendered.html
    assert "<b>" not in rendered.html
    # Its source is searchable like any other code.
    assert "WS /ws/echo?token=t-alice" in rendered.sections[0].code


@pytest.mark.parametrize(
    ("markdown", "code", "message", "line"),
    [
        ('```python include="missing.py"\n```', "KB201", "no file examples/missing.py", 0),
        ('```python include="../tests/conftest.py"\n```', "KB201", "no file", 0),
        ('```python include="sample.py" lines="1-999"\n```', "KB201", "out of range", 0),
        ('x\n\n```python include="sample.py" symbol="nope"\n```', "KB201", "no class, function", 2),
        ('```python include="sample.py" symbol="helper" highlight="9"\n```', "KB201", "outside", 0),
        ('```python include="sample.py" lines="2-1"\n```', "KB201", "ends before", 0),
        ('```python include="sample.py" colour="red"\n```', "KB201", "unknown include", 0),
        ('```python include="sample.py"\nx = 1\n```', "KB201", "must be empty", 0),
        ("text\n\n```hurl\nGET nowhere\nHTTP 200\n```", "KB301", "single '/'", 3),
        ("```hurl\nGET /x\nHTTP 200\n[Asserts]\nbad\n```", "KB301", "an assertion", 4),
        ("x\n\n```websocket\nWS /ws\n> hi\nbogus\n```", "KB302", "expected '> message'", 5),
    ],
)
def test_problems_are_reported_with_their_line(
    markdown: str, code: str, message: str, line: int
) -> None:
    rendered = render.render(markdown, FIXTURES / "examples")
    assert [(p.code, p.line) for p in rendered.problems] == [(code, line)]
    assert message in rendered.problems[0].message

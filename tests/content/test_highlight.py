import re

import pytest

from kb.content.highlight import DARK, LIGHT, highlight, stylesheet

_COLOUR = re.compile(r"(?<!background-)color: (#[0-9A-Fa-f]{6})")


def test_code_is_marked_up_by_token_and_escaped() -> None:
    html = highlight('def f(x):\n    return "<b>"\n', "python")
    assert html.startswith('<div class="highlight"><pre>')
    assert '<span class="k">def</span>' in html and '<span class="nf">f</span>' in html
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_an_unknown_language_is_shown_as_plain_text() -> None:
    html = highlight("a < b\n", "no-such-language")
    assert "a &lt; b" in html and "<span class=" not in html.replace("<span></span>", "")


def test_line_numbers_start_where_asked_and_highlights_count_as_shown() -> None:
    html = highlight("a = 1\nb = 2\nc = 3\n", "python", first_line=10, highlighted=(12,))
    numbers = re.findall(r'<span class="normal">(\d+)</span>', html)
    assert numbers == ["10", "11", "12"]
    [marked] = re.findall(r'<span class="hll">(.*?)\n</span>', html)
    assert ">c<" in marked  # line 12 is the third line shown


def test_without_a_first_line_there_are_no_numbers() -> None:
    html = highlight("a = 1\nb = 2\n", "python", highlighted=(2,))
    assert "linenos" not in html
    [marked] = re.findall(r'<span class="hll">(.*?)\n</span>', html)
    assert ">b<" in marked


def test_one_blocks_options_do_not_leak_into_the_next() -> None:
    highlight("a = 1\nb = 2\n", "python", highlighted=(1, 2))
    assert "hll" not in highlight("a = 1\nb = 2\n", "python")
    highlight("a = 1\nb = 2\n", "python", first_line=5, highlighted=(5, 6))
    numbered = highlight("a = 1\nb = 2\n", "python", first_line=1)
    assert "hll" not in numbered
    assert re.findall(r'<span class="normal">(\d+)</span>', numbered) == ["1", "2"]


def _rules(css: str, prefix: str) -> list[str]:
    return [line for line in css.splitlines() if line.startswith(f"{prefix}.highlight .")]


@pytest.mark.parametrize(
    ("palette", "prefix"),
    [(LIGHT, ""), (DARK, 'html[data-theme="dark"] '), (DARK, 'html:not([data-theme="light"]) ')],
    ids=["light", "dark-chosen", "dark-by-the-system"],
)
def test_the_stylesheet_colours_tokens_from_one_palette_per_theme(
    palette: dict[str, str], prefix: str
) -> None:
    rules = _rules(stylesheet(), prefix)
    assert rules, f"no token rules under {prefix!r}"
    used = {colour.lower() for rule in rules for colour in _COLOUR.findall(rule)}
    assert used and used <= set(palette.values())
    assert f"{prefix}.highlight .hll {{ background-color: {palette['highlight']} }}" in rules


def test_the_system_dark_theme_applies_only_inside_the_media_query() -> None:
    before, media, inside = stylesheet().partition("@media (prefers-color-scheme: dark) {")
    system = 'html:not([data-theme="light"]) '
    assert media and system not in before
    rules = [line for line in inside.splitlines() if line.strip() and line.strip() != "}"]
    assert rules and all(line.startswith(system) for line in rules)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_every_colour_keeps_wcag_aa_contrast_on_both_backgrounds(palette: dict[str, str]) -> None:
    low = [
        f"{name} on {background}: {_contrast(colour, palette[background]):.2f}"
        for name, colour in palette.items()
        if name not in ("background", "highlight")
        for background in ("background", "highlight")
        if _contrast(colour, palette[background]) < 4.5
    ]
    assert low == []

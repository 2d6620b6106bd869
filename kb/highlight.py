"""Syntax highlighting with Pygments: CSS classes, one stylesheet for light and dark."""

from __future__ import annotations

from functools import lru_cache

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

LIGHT_STYLE = "friendly"
DARK_STYLE = "monokai"


@lru_cache(maxsize=64)
def _lexer(language: str):  # type: ignore[no-untyped-def]
    try:
        return get_lexer_by_name(language or "text", stripnl=False, ensurenl=True)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=True)


def highlight(
    code: str,
    language: str,
    *,
    first_line: int | None = None,
    highlighted: tuple[int, ...] = (),
) -> str:
    """HTML for ``code``; ``first_line`` turns on line numbers starting there.

    ``highlighted`` holds line numbers as shown (so with ``first_line=10``, 12 is the third line).
    """
    start = first_line or 1
    formatter = HtmlFormatter(
        cssclass="highlight",
        wrapcode=True,
        linenos="table" if first_line else False,
        linenostart=start,
        hl_lines=[number - start + 1 for number in highlighted],
    )
    return pygments_highlight(code, _lexer(language), formatter)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """Pygments CSS: the light style by default, the dark one when the page is dark."""
    light = HtmlFormatter(style=LIGHT_STYLE).get_style_defs(".highlight")
    dark_rules = HtmlFormatter(style=DARK_STYLE).get_style_defs(".highlight")
    dark_theme = _scope(dark_rules, 'html[data-theme="dark"]')
    dark_os = _scope(dark_rules, 'html:not([data-theme="light"])')
    return f"{light}\n{dark_theme}\n@media (prefers-color-scheme: dark) {{\n{dark_os}\n}}\n"


def _scope(css: str, prefix: str) -> str:
    rules = []
    for line in css.splitlines():
        if line.strip():
            rules.append(f"{prefix} {line}")
    return "\n".join(rules)

"""Syntax highlighting with Pygments: CSS classes, one stylesheet for light and dark."""

from __future__ import annotations

import copy
from functools import lru_cache

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.style import Style
from pygments.token import Comment, Error, Generic, Keyword, Name, Number, Operator, String, Token
from pygments.util import ClassNotFound

# Both palettes keep a WCAG AA contrast (4.5:1) for every colour on the code background
# and on the highlighted-line background; the backgrounds are site.css's --bg-code.
LIGHT = {
    "background": "#f6f8fa",
    "highlight": "#fff2bf",
    "fg": "#1f2328",
    "muted": "#57606a",
    "keyword": "#cf222e",
    "constant": "#0550ae",
    "function": "#6639ba",
    "type": "#953800",
    "tag": "#116329",
    "string": "#0a3069",
    "deleted": "#82071e",
}
DARK = {
    "background": "#1b1f27",
    "highlight": "#3d3520",
    "fg": "#e6edf3",
    "muted": "#9da7b3",
    "keyword": "#ff7b72",
    "constant": "#79c0ff",
    "function": "#d2a8ff",
    "type": "#ffa657",
    "tag": "#7ee787",
    "string": "#a5d6ff",
    "deleted": "#ffa198",
}


def _style(name: str, c: dict[str, str]) -> type[Style]:
    styles = {
        Token: c["fg"],
        Comment: f"italic {c['muted']}",
        Comment.Preproc: f"noitalic {c['keyword']}",
        Keyword: f"bold {c['keyword']}",
        Keyword.Constant: f"nobold {c['constant']}",
        Keyword.Type: f"nobold {c['type']}",
        Operator.Word: f"bold {c['keyword']}",
        Name.Builtin: c["constant"],
        Name.Function: c["function"],
        Name.Decorator: c["function"],
        Name.Class: f"bold {c['type']}",
        Name.Exception: c["type"],
        Name.Namespace: c["type"],
        Name.Variable: c["type"],
        Name.Tag: c["tag"],
        Name.Attribute: c["constant"],
        String: c["string"],
        String.Doc: f"italic {c['string']}",
        String.Escape: f"bold {c['constant']}",
        String.Interpol: c["constant"],
        Number: c["constant"],
        Generic.Heading: f"bold {c['constant']}",
        Generic.Subheading: f"bold {c['constant']}",
        Generic.Deleted: c["deleted"],
        Generic.Inserted: c["tag"],
        Generic.Error: c["deleted"],
        Generic.Traceback: c["deleted"],
        Generic.Prompt: c["muted"],
        Generic.Output: c["muted"],
        Generic.Emph: "italic",
        Generic.Strong: "bold",
        Error: c["deleted"],
    }
    attributes = {
        "name": name,
        "background_color": c["background"],
        "highlight_color": c["highlight"],
        "line_number_color": c["muted"],
        "line_number_background_color": "transparent",
        "styles": styles,
    }
    return type(f"{name.title()}Style", (Style,), attributes)


LIGHT_STYLE = _style("kb-light", LIGHT)
DARK_STYLE = _style("kb-dark", DARK)


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer:
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
    formatter = _formatter(first_line, tuple(number - start + 1 for number in highlighted))
    return pygments_highlight(code, _lexer(language), formatter)


def _formatter(first_line: int | None, hl_lines: tuple[int, ...]) -> HtmlFormatter[str]:
    # Building a formatter builds its whole stylesheet, which costs more than formatting
    # a code block: a copy of one built once, given its own line options, does not.
    formatter = copy.copy(_base_formatter(bool(first_line)))
    formatter.linenostart = first_line or 1
    formatter.hl_lines = set(hl_lines)
    return formatter


@lru_cache(maxsize=2)
def _base_formatter(line_numbers: bool) -> HtmlFormatter[str]:
    return HtmlFormatter[str](
        cssclass="highlight", wrapcode=True, linenos="table" if line_numbers else False
    )


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """Pygments CSS: the light style by default, the dark one when the page is dark."""
    light: str = HtmlFormatter[str](style=LIGHT_STYLE).get_style_defs(".highlight")  # type: ignore[no-untyped-call]  # types-Pygments leaves get_style_defs unannotated
    dark_rules: str = HtmlFormatter[str](style=DARK_STYLE).get_style_defs(".highlight")  # type: ignore[no-untyped-call]  # types-Pygments leaves get_style_defs unannotated
    dark_theme = _scope(dark_rules, 'html[data-theme="dark"]')
    dark_os = _scope(dark_rules, 'html:not([data-theme="light"])')
    return f"{light}\n{dark_theme}\n@media (prefers-color-scheme: dark) {{\n{dark_os}\n}}\n"


def _scope(css: str, prefix: str) -> str:
    rules = []
    for line in css.splitlines():
        if line.strip():
            rules.append(f"{prefix} {line}")
    return "\n".join(rules)

"""Syntax highlighting with Pygments: CSS classes, one stylesheet for light and dark."""

from __future__ import annotations

from functools import lru_cache

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.style import Style
from pygments.token import Comment, Error, Generic, Keyword, Name, Number, Operator, String, Token
from pygments.util import ClassNotFound


def _palette(
    fg: str,
    muted: str,
    keyword: str,
    constant: str,
    function: str,
    type_: str,
    tag: str,
    string: str,
    deleted: str,
) -> dict:  # type: ignore[type-arg]
    return {
        Token: fg,
        Comment: f"italic {muted}",
        Comment.Preproc: f"noitalic {keyword}",
        Keyword: f"bold {keyword}",
        Keyword.Constant: f"nobold {constant}",
        Keyword.Type: f"nobold {type_}",
        Operator.Word: f"bold {keyword}",
        Name.Builtin: constant,
        Name.Function: function,
        Name.Decorator: function,
        Name.Class: f"bold {type_}",
        Name.Exception: type_,
        Name.Namespace: type_,
        Name.Variable: type_,
        Name.Tag: tag,
        Name.Attribute: constant,
        String: string,
        String.Doc: f"italic {string}",
        String.Escape: f"bold {constant}",
        String.Interpol: constant,
        Number: constant,
        Generic.Heading: f"bold {constant}",
        Generic.Subheading: f"bold {constant}",
        Generic.Deleted: deleted,
        Generic.Inserted: tag,
        Generic.Error: deleted,
        Generic.Traceback: deleted,
        Generic.Prompt: muted,
        Generic.Output: muted,
        Generic.Emph: "italic",
        Generic.Strong: "bold",
        Error: deleted,
    }


class LightStyle(Style):
    """Every colour has a WCAG AA contrast (4.5:1) on the code and highlighted-line backgrounds."""

    name = "kb-light"
    background_color = "#f6f8fa"  # site.css --bg-code
    highlight_color = "#fff2bf"
    line_number_color = "#57606a"
    line_number_background_color = "transparent"
    styles = _palette(
        "#1f2328",
        "#57606a",
        "#cf222e",
        "#0550ae",
        "#6639ba",
        "#953800",
        "#116329",
        "#0a3069",
        "#82071e",
    )


class DarkStyle(Style):
    """The dark theme's counterpart of LightStyle, AA on its backgrounds too."""

    name = "kb-dark"
    background_color = "#1b1f27"  # site.css dark --bg-code
    highlight_color = "#3d3520"
    line_number_color = "#9da7b3"
    line_number_background_color = "transparent"
    styles = _palette(
        "#e6edf3",
        "#9da7b3",
        "#ff7b72",
        "#79c0ff",
        "#d2a8ff",
        "#ffa657",
        "#7ee787",
        "#a5d6ff",
        "#ffa198",
    )


LIGHT_STYLE = LightStyle
DARK_STYLE = DarkStyle


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

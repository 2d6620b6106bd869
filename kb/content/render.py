"""Markdown to HTML: markdown-it-py with raw HTML off, Pygments code, includes and try blocks.

Two fenced-block forms are special:

* ```` ```python include="query_parameters.py" symbol="create_app" highlight="3 7-9" ````
  (with an empty body) shows code from a file under ``examples/``: the whole file, a
  ``symbol`` (a class or function, ``Class.method`` for a method, with its decorators) or
  ``lines="10-35"`` of the file. ``highlight`` counts lines of the included code from 1;
  the line numbers shown are the file's.
* ```` ```hurl ```` declares a try block (:mod:`kb.content.tryblocks`), rendered as a console.
* ```` ```websocket ```` declares a WebSocket conversation (:mod:`kb.content.wsblocks`),
  rendered as its source, which static/websocket.js turns into a player.
"""

from __future__ import annotations

import ast
import html
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.anchors import anchors_plugin

from kb.content import tryblocks, wsblocks
from kb.content.highlight import highlight

INCLUDE_ATTRS = frozenset({"include", "lines", "symbol", "highlight"})


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Include:
    path: str
    first: int
    last: int
    line: int  # 0-based body line of the fence


@dataclass(frozen=True)
class RenderProblem:
    line: int  # 0-based body line
    code: str
    message: str


@dataclass(frozen=True)
class SearchSection:
    """A heading and the text under it, for section-level search."""

    anchor: str
    title: str
    text: str
    code: str
    identifiers: str = ""  # inline code spans of the prose: `Depends`, `response_model`


@dataclass
class Rendered:
    parts: list[str | int]  # HTML, or the index of a try block to render as a console
    headings: list[Heading] = field(default_factory=list)
    try_blocks: list[tryblocks.TryBlock] = field(default_factory=list)
    websocket_blocks: list[wsblocks.WebSocketBlock] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)  # (href, 0-based body line)
    problems: list[RenderProblem] = field(default_factory=list)
    sections: list[SearchSection] = field(default_factory=list)

    @property
    def html(self) -> str:
        return "".join(part for part in self.parts if isinstance(part, str))


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The one Markdown parser: CommonMark plus tables and strikethrough, raw HTML off."""
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.use(anchors_plugin, min_level=2, max_level=3, permalink=True, permalinkSymbol="#")
    md.use(admon_plugin)
    return md


class _Renderer:
    def __init__(self, examples_dir: Path) -> None:
        self.examples_dir = examples_dir.resolve()

    def render(self, body: str) -> Rendered:
        md = markdown()
        env: dict[str, object] = {}
        tokens = md.parse(body, env)
        result = Rendered(parts=[])
        self.included: dict[int, str] = {}  # id(fence token) -> the code it includes
        chunk: list[Token] = []
        for token in tokens:
            if token.type == "fence" and _language(token.info) == "hurl":
                result.parts.append(md.renderer.render(chunk, md.options, env))
                chunk = []
                result.parts.append(self._try_block(token, result))
            elif token.type == "fence" and _language(token.info) == "websocket":
                chunk.append(self._websocket_block(token, result))
            elif token.type == "fence":
                chunk.append(self._code_token(token, result))
            else:
                chunk.append(token)
        result.parts.append(md.renderer.render(chunk, md.options, env))
        result.parts = [part for part in result.parts if part != ""]
        self._collect(tokens, result)
        return result

    def _collect(self, tokens: list[Token], result: Rendered) -> None:
        """Headings, links and section texts for the table of contents, checks and search."""
        anchor, title = "", ""
        texts: list[str] = []
        code: list[str] = []
        identifiers: list[str] = []

        def close_section() -> None:
            if title or texts or code:
                result.sections.append(
                    SearchSection(
                        anchor, title, " ".join(texts), "\n".join(code), " ".join(identifiers)
                    )
                )

        for index, token in enumerate(tokens):
            line = token.map[0] if token.map else 0
            if token.type == "heading_open" and token.tag in ("h2", "h3"):
                close_section()
                title = _plain_text(tokens[index + 1])
                anchor = str(token.attrGet("id") or "")
                result.headings.append(Heading(int(token.tag[1]), anchor, title))
                texts, code, identifiers = [], [], []
            elif token.type == "inline":
                if index and tokens[index - 1].type == "heading_open":
                    continue
                texts.append(_plain_text(token))
                for child in token.children or []:
                    if child.type == "link_open":
                        result.links.append((str(child.attrGet("href") or ""), line))
                    elif child.type == "code_inline":
                        identifiers.append(child.content)
            elif token.type in ("fence", "code_block"):
                code.append(self.included.get(id(token), token.content))
        close_section()

    def _try_block(self, token: Token, result: Rendered) -> int | str:
        line = token.map[0] if token.map else 0
        try:
            block = tryblocks.parse(token.content, line=line)
        except tryblocks.HurlError as exc:
            result.problems.append(RenderProblem(line + 1 + exc.line, "KB301", str(exc)))
            return highlight(token.content, "hurl")
        result.try_blocks.append(block)
        return len(result.try_blocks) - 1

    def _websocket_block(self, token: Token, result: Rendered) -> Token:
        line = token.map[0] if token.map else 0
        rendered = Token("html_block", "", 0)
        rendered.map = token.map
        try:
            block = wsblocks.parse(token.content, line=line)
        except wsblocks.WebSocketBlockError as exc:
            result.problems.append(RenderProblem(line + 1 + exc.line, "KB302", str(exc)))
            rendered.content = highlight(token.content, "text")
            return rendered
        result.websocket_blocks.append(block)
        rendered.content = websocket_console(block, len(result.websocket_blocks))
        return rendered

    def _code_token(self, token: Token, result: Rendered) -> Token:
        language = _language(token.info)
        line = token.map[0] if token.map else 0
        rendered = Token("html_block", "", 0)
        rendered.map = token.map
        try:
            attrs = _attributes(token.info)
            if "include" not in attrs:
                rendered.content = highlight(token.content, language)
                return rendered
            rendered.content = self._include(language, attrs, line, token, result)
        except ValueError as exc:
            result.problems.append(RenderProblem(line, "KB201", str(exc)))
            rendered.content = highlight(f"[include failed: {exc}]", "text")
        return rendered

    def _include(
        self, language: str, attrs: dict[str, str], line: int, token: Token, result: Rendered
    ) -> str:
        unknown = sorted(set(attrs) - INCLUDE_ATTRS)
        if unknown:
            raise ValueError(
                f"unknown include attribute {unknown[0]!r}; use {sorted(INCLUDE_ATTRS)}"
            )
        if token.content.strip():
            raise ValueError("an include block must be empty: the code comes from the file")
        relative = attrs["include"]
        path = (self.examples_dir / relative).resolve()
        if not path.is_relative_to(self.examples_dir) or not path.is_file():
            raise ValueError(f"no file examples/{relative}")
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        first, last = 1, len(lines)
        if "lines" in attrs and "symbol" in attrs:
            raise ValueError("use either lines= or symbol=, not both")
        if "lines" in attrs:
            first, last = _range(attrs["lines"])
            if not 1 <= first <= last <= len(lines):
                raise ValueError(
                    f"lines {attrs['lines']} out of range: examples/{relative} has {len(lines)} lines"
                )
        elif "symbol" in attrs:
            first, last = symbol_lines(text, attrs["symbol"], relative)
        highlighted: list[int] = []
        count = last - first + 1
        for item in attrs.get("highlight", "").replace(",", " ").split():
            low, high = _range(item)
            if not 1 <= low <= high <= count:
                raise ValueError(
                    f"highlight {item} is outside the {count} included lines "
                    "(highlight counts lines of the included code, from 1)"
                )
            highlighted.extend(range(first + low - 1, first + high))
        result.includes.append(Include(relative, first, last, line))
        code = "\n".join(lines[first - 1 : last]) + "\n"
        self.included[id(token)] = code
        shown = f"lines {first}–{last}" if (first, last) != (1, len(lines)) else "whole file"
        caption = (
            f"<figcaption><code>examples/{html.escape(relative)}</code> "
            f'<span class="muted">{shown}</span></figcaption>'
        )
        code_html = highlight(code, language, first_line=first, highlighted=tuple(highlighted))
        return f'<figure class="include">{caption}{code_html}</figure>\n'


def websocket_console(block: wsblocks.WebSocketBlock, number: int) -> str:
    """A WebSocket block as the page shows it: its source, which static/websocket.js
    (loaded by entries that have one) turns into a player of the conversation."""
    data = html.escape(json.dumps(block.to_json(), ensure_ascii=False))
    path = html.escape(block.path)
    return (
        f'<section class="ws-console" id="ws-{number}" '
        f'aria-label="WebSocket conversation {number}: {path}" data-ws="{data}">\n'
        f'<p class="ws-title"><span class="ws-badge">WebSocket</span> <code>{path}</code></p>\n'
        f'<div class="ws-source">{highlight(block.source, "text")}</div>\n'
        '<p class="ws-note muted"><code>&gt;</code> lines are sent to the example, '
        "<code>&lt;</code> lines are the messages it answers with. "
        '<span class="ws-nojs">With JavaScript on, this page plays the conversation against '
        "your own copy of the example.</span></p>\n"
        "</section>\n"
    )


def render(body: str, examples_dir: Path) -> Rendered:
    """Render an entry's Markdown body once; the result is cached by the catalogue."""
    return _Renderer(examples_dir).render(body)


def symbol_lines(source: str, symbol: str, relative: str) -> tuple[int, int]:
    """First and last line of a class, function or assignment (dotted for nested ones),
    decorators included."""
    try:
        tree = _parsed(source)
    except SyntaxError as exc:
        raise ValueError(f"examples/{relative} does not parse: {exc}") from None
    scope: list[ast.stmt] = tree.body
    node: ast.stmt | None = None
    for name in symbol.split("."):
        candidates = [item for item in _in_source_order(scope) if _defines(item, name)]
        # A function or class wins over a variable of the same name somewhere earlier.
        candidates.sort(key=lambda item: not isinstance(item, _DEFINITIONS))
        node = candidates[0] if candidates else None
        if node is None:
            raise ValueError(f"no class, function or assignment {symbol!r} in examples/{relative}")
        scope = getattr(node, "body", [])
    assert node is not None
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(d.lineno for d in decorators)])
    return first, node.end_lineno or node.lineno


@lru_cache(maxsize=64)
def _parsed(source: str) -> ast.Module:
    # An entry includes several symbols of its example: the file is parsed once.
    return ast.parse(source)


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _in_source_order(nodes: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in nodes:
        yield node
        yield from _in_source_order(
            [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)]
        )


def _defines(node: ast.AST, name: str) -> bool:
    if isinstance(node, _DEFINITIONS):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return False


def _language(info: str) -> str:
    return info.strip().split(maxsplit=1)[0].lower() if info.strip() else ""


def _attributes(info: str) -> dict[str, str]:
    parts = info.strip().split(maxsplit=1)
    if len(parts) < 2:
        return {}
    attrs = {}
    try:
        words = shlex.split(parts[1])
    except ValueError as exc:
        raise ValueError(f"unreadable attributes {parts[1]!r}: {exc}") from exc
    for word in words:
        name, _, value = word.partition("=")
        attrs[name] = value
    return attrs


_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def _range(text: str) -> tuple[int, int]:
    match = _RANGE.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a line number or range like 10-20")
    low = int(match[1])
    high = int(match[2]) if match[2] else low
    if high < low:
        raise ValueError(f"range {text!r} ends before it starts")
    return low, high


def _plain_text(inline: Token) -> str:
    pieces = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            pieces.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
    return "".join(pieces).strip()

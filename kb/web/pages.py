"""HTML pages: home, sections, entries, tags, search, and the 404 page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.types import Scope

from kb.content import sources
from kb.content.catalogue import Entry
from kb.content.highlight import stylesheet
from kb.knowledge import KnowledgeBase
from kb.middleware.pagecache import Page, request_key
from kb.search.results import Results
from kb.web.assets import IMMUTABLE, stylesheet_url
from kb.web.deps import KB, Htmx, Templates

SearchQuery = Annotated[str, Query()]


def page(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    kb: KnowledgeBase = request.app.state.kb
    context = {**base_context(kb), **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def base_context(kb: KnowledgeBase) -> dict[str, Any]:
    """What base.html needs on every page."""
    return {"catalogue": kb.catalogue, "edit_url": kb.settings.edit_url, "q": ""}


def not_found(request: Request, templates: Jinja2Templates, what: str) -> HTMLResponse:
    return page(templates, request, "not_found.html", {"what": what}, status_code=404)


def not_found_page(scope: Scope) -> Response:
    """The 404 page for a path nothing answers (the router's, and /examples' own)."""
    request = Request(scope)
    return not_found(request, request.app.state.templates, "Nothing is here.")


def cached_page(
    request: Request, templates: Jinja2Templates, name: str, context: Callable[[], dict[str, Any]]
) -> Response:
    """A page that depends on the catalogue alone: rendered once, then served from memory."""
    kb: KnowledgeBase = request.app.state.kb

    def render() -> str:
        return templates.get_template(name).render(
            {**base_context(kb), **context(), "request": request}
        )

    route = getattr(request.scope.get("route"), "path", "")
    page = kb.pages.get(request.url.path, render, "text/html; charset=utf-8", route)
    return page.respond(request)


async def home(request: Request, kb: KB, templates: Templates) -> Response:
    return cached_page(request, templates, "home.html", lambda: {"sections": kb.catalogue.sections})


async def section(slug: str, request: Request, kb: KB, templates: Templates) -> Response:
    found = kb.catalogue.section_by_slug(slug)
    if found is None:
        return not_found(request, templates, f"There is no section “{slug}”.")
    return cached_page(request, templates, "section.html", lambda: {"section": found})


async def entry(slug: str, request: Request, kb: KB, templates: Templates) -> Response:
    found = kb.catalogue.entries.get(slug)
    if found is None:
        return not_found(request, templates, f"There is no pattern “{slug}”.")
    return cached_page(request, templates, "entry.html", lambda: entry_context(kb, found))


def entry_context(kb: KnowledgeBase, entry: Entry, **extra: Any) -> dict[str, Any]:
    before, after = kb.catalogue.neighbours(entry)
    source = sources.find(kb.settings.examples_dir, entry.meta.example or "")
    return {
        "entry": entry,
        "section": kb.catalogue.section_of(entry),
        "before": before,
        "after": after,
        "related": kb.catalogue.related(entry),
        "example_source": source,
        "example_error": kb.example_errors.get(entry.slug),
        "results": {},
        "variables": {},
        "max_upload": kb.settings.max_upload,
        **extra,
    }


async def tag(name: str, request: Request, kb: KB, templates: Templates) -> Response:
    entries = kb.catalogue.tags.get(name)
    if not entries:
        return not_found(request, templates, f"No pattern is tagged “{name}”.")
    return cached_page(request, templates, "tag.html", lambda: {"tag": name, "entries": entries})


# Pages past this many results are not looked up: the same bound as /api/search's offset.
MAX_OFFSET = 10_000
_MARKED = re.compile(r"<mark>(.*?)</mark>", re.S)


@dataclass(frozen=True)
class Pager:
    """Where one page of results sits among all of them."""

    page: int
    per_page: int
    total: int
    base: str  # the query string of every link but its page

    @property
    def pages(self) -> int:
        last_reachable = MAX_OFFSET // self.per_page + 1
        return min(max(1, -(-self.total // self.per_page)), last_reachable)

    @property
    def past_the_end(self) -> bool:
        return self.total > 0 and self.page > self.pages

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1

    def last(self, shown: int) -> int:
        return self.first + shown - 1

    @property
    def previous(self) -> int | None:
        return self.page - 1 if 1 < self.page <= self.pages else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    def numbers(self) -> list[int | None]:
        """Page numbers to link: the first, the last and two either side of this one;
        ``None`` where numbers are left out."""
        wanted = {1, self.pages, *range(self.page - 2, self.page + 3)}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        numbers: list[int | None] = []
        for n in shown:
            if numbers and n - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(n)
        return numbers

    def url(self, page: int) -> str:
        suffix = f"&page={page}" if page > 1 else ""
        return f"/search?{self.base}{suffix}"


def page_number(text: str) -> int | None:
    """A ``page=`` value as a page number from 1, or None if it is not one."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9 or int(text) < 1:
        return None
    return int(text)


def highlight_terms(q: str, results: Results) -> str:
    """The words to mark on an entry a result opens: those the engine marked in the
    snippets (the forms it matched), else the words of the query."""
    marked: dict[str, None] = {}
    for hit in results.hits:
        for snippet in (hit.snippet, *(s.snippet for s in hit.sections)):
            for word in _MARKED.findall(snippet):
                marked.setdefault(html.unescape(word).lower(), None)
    # The page marks every word that starts with one of these: "request" covers "requests".
    words = [w for w in marked if not any(w != o and w.startswith(o) for o in marked)]
    return " ".join(words[:12]) or " ".join((results.corrected or q).split()[:12])


def with_highlight(url: str, terms: str) -> str:
    """``url`` with ``hl=terms`` in its query, before any fragment."""
    if not terms:
        return url
    path, hash_, fragment = url.partition("#")
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}{urlencode({'hl': terms})}{hash_}{fragment}"


async def search(
    request: Request,
    kb: KB,
    templates: Templates,
    htmx: Htmx,
    q: SearchQuery = "",
    section: Annotated[str, Query()] = "",
    tag: Annotated[str, Query()] = "",
    exact: Annotated[bool, Query()] = False,
    page: Annotated[str, Query(description="Page of results, from 1.")] = "1",
    popup: Annotated[bool, Query(description="The header's dropdown asks (with htmx).")] = False,
) -> Response:
    # The header's dropdown: a short listbox. A fragment for the search page's own box
    # or its page links has what the whole page has, but its facets (they stay).
    popup = popup and htmx
    per_page = kb.settings.search_limit
    number = page_number(page)
    status = 200
    if number is None:
        status, number = 400, 1
    offset = (number - 1) * per_page
    results = kb.index.search(
        q,
        per_page,
        offset=min(offset, MAX_OFFSET),
        section=section,
        tag=tag,
        correct=not exact,
        facets=not htmx,
        deep_links=5 if popup else per_page,
    )
    if offset > MAX_OFFSET:
        # Past what is looked up: nothing to show but the way back (the engine's answer may be
        # cached, so it is copied, not changed).
        results = replace(results, hits=[])
    base = urlencode(
        {"q": q, **({"section": section} if section else {}), **({"tag": tag} if tag else {})}
    ) + ("&exact=1" if exact else "")
    terms = highlight_terms(q, results)
    context = {
        "q": q,
        "results": results,
        "section_filter": section,
        "tag_filter": tag,
        "popup": popup,
        "pager": Pager(number, per_page, results.total, base),
        "bad_page": page if status == 400 else None,
        "highlighted": lambda url: with_highlight(url, terms),
    }
    name = "_search_results.html" if htmx else "search.html"
    html_text = templates.get_template(name).render(
        {**base_context(kb), **context, "request": request}
    )
    found = Page.of(html_text.encode(), "text/html; charset=utf-8", "/search", vary="HX-Request")
    if status != 200:
        return HTMLResponse(html_text, status_code=status, headers={"Vary": "HX-Request"})
    if not results.timed_out and kb.settings.search_cache:
        kb.responses.put(request_key(request.scope), found)
    return found.respond(request)


async def highlight_css(request: Request, kb: KB) -> Response:
    """Pygments' stylesheet; immutable when asked for by its versioned URL."""
    page = kb.pages.get("/highlight.css", stylesheet, "text/css; charset=utf-8")
    versioned = f"/highlight.css?{request.url.query}" == stylesheet_url()
    return page.respond(request, IMMUTABLE if versioned else "no-cache")

"""The JSON API: patterns and search, described by the KB's own OpenAPI at ``/docs``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kb.content import wsblocks
from kb.content.catalogue import Entry
from kb.middleware.pagecache import Page, request_key
from kb.web.deps import KB


class TryBlockOut(BaseModel):
    method: str
    path: str
    url: str
    headers: list[tuple[str, str]]
    body: str
    form_data: list[str]  # [MultipartFormData] lines, when the request is a multipart form
    expected_status: int | None
    captures: list[str]


class WebSocketStepOut(BaseModel):
    """One step of a conversation: exactly one of ``send``, ``expect`` and ``close``."""

    send: str | None = None
    expect: str | None = Field(None, description='The message expected; "*" for any one.')
    asserts: list[str] = Field(default_factory=list, description="On the message expected.")
    close: int | None = Field(None, description="The close code the example must send.")
    reason: str | None = Field(None, description="The close reason, when one is expected.")


class WebSocketBlockOut(BaseModel):
    path: str
    url: str = Field(description="ws:// (or wss://) on this server, to the reader's sandbox.")
    headers: list[tuple[str, str]]
    steps: list[WebSocketStepOut]
    variables: list[str] = Field(
        description="Values earlier try blocks capture, used here as {{name}}."
    )
    source: str = Field(description="The block as the entry writes it.")


class PatternSummary(BaseModel):
    slug: str
    title: str
    summary: str
    section: str
    group: str
    tags: list[str]
    url: str
    api_url: str


class Pattern(PatternSummary):
    updated: dt.date
    related: list[str]
    example: str | None
    example_url: str | None
    docs_url: str | None
    try_blocks: list[TryBlockOut]
    websocket_blocks: list[WebSocketBlockOut]
    headings: list[dict[str, object]]


class SectionResult(BaseModel):
    anchor: str
    title: str
    url: str
    snippet: str


class SearchResult(BaseModel):
    slug: str
    title: str
    section: str
    url: str
    anchor: str
    snippet: str
    score: float
    matched_all: bool = Field(description="The entry has every topic word of the query.")
    sections: list[SectionResult]


class Suggestion(BaseModel):
    slug: str
    title: str
    url: str


class FacetValue(BaseModel):
    value: str
    count: int


class SearchResponse(BaseModel):
    query: str
    corrected_query: str | None
    count: int
    total: int
    timed_out: bool
    words: list[str] = Field(
        description="The topic words searched: question and filler words are left out."
    )
    complete: int = Field(description="Entries that have every one of `words`.")
    relaxed: bool = Field(
        description="Too few entries have every word, so entries with most of them follow."
    )
    dropped: list[str] = Field(description="When relaxed: the words the first such entry lacks.")
    results: list[SearchResult]
    suggestions: list[Suggestion] = Field(description="When nothing matches: the closest entries.")
    facets: dict[str, list[FacetValue]]


def _summary(entry: Entry, base: str) -> dict[str, object]:
    meta = entry.meta
    return {
        "slug": entry.slug,
        "title": meta.title,
        "summary": meta.summary,
        "section": meta.section,
        "group": meta.group,
        "tags": meta.tags,
        "url": f"{base}{entry.url}",
        "api_url": f"{base}/api/patterns/{entry.slug}",
    }


def _step(step: wsblocks.Step) -> WebSocketStepOut:
    if isinstance(step, wsblocks.Send):
        return WebSocketStepOut(send=step.text)
    if isinstance(step, wsblocks.Expect):
        return WebSocketStepOut(expect=step.text, asserts=[a.describe() for a in step.asserts])
    return WebSocketStepOut(close=step.code, reason=step.reason)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def list_patterns(request: Request, kb: KB) -> list[PatternSummary]:
    base = _base(request)
    return [PatternSummary(**_summary(e, base)) for e in kb.catalogue.entries.values()]


async def get_pattern(slug: str, request: Request, kb: KB) -> Pattern:
    entry = kb.catalogue.entries.get(slug)
    if entry is None:
        raise HTTPException(status_code=404, detail=f"No pattern {slug!r}.")
    base = _base(request)
    example_url = f"{base}{entry.mount}/" if entry.meta.example else None
    return Pattern(
        **_summary(entry, base),
        updated=entry.meta.updated,
        related=entry.meta.related,
        example=entry.meta.example,
        example_url=example_url,
        docs_url=f"{example_url}docs" if example_url else None,
        try_blocks=[
            TryBlockOut(
                method=block.method,
                path=block.path,
                url=f"{base}{entry.mount}{block.path}",
                headers=list(block.headers),
                body=block.body,
                form_data=[part.text() for part in block.parts],
                expected_status=block.status,
                captures=[capture.name for capture in block.captures],
            )
            for block in entry.rendered.try_blocks
        ],
        websocket_blocks=[
            WebSocketBlockOut(
                path=block.path,
                url=f"{'wss' if base.startswith('https:') else 'ws'}:{base.partition(':')[2]}"
                f"{entry.mount}{block.path}",
                headers=list(block.headers),
                steps=[_step(step) for step in block.steps],
                variables=block.variables,
                source=block.source,
            )
            for block in entry.rendered.websocket_blocks
        ],
        headings=[
            {"level": h.level, "anchor": h.anchor, "text": h.text} for h in entry.rendered.headings
        ],
    )


async def search(
    request: Request,
    kb: KB,
    q: Annotated[
        str, Query(description="What to look for; trimmed to the configured maximum.")
    ] = "",
    limit: Annotated[int, Query(ge=1, le=100, description="Results at most.")] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000, description="Results to skip.")] = 0,
    section: Annotated[str, Query(description="Only this section (its title).")] = "",
    tag: Annotated[str, Query(description="Only entries with this tag.")] = "",
    exact: Annotated[bool, Query(description="Do not correct typos.")] = False,
) -> Response:
    """Search entries: the same ranking as the search page, with facets and corrections."""
    base = _base(request)
    found = kb.index.search(q, limit, offset=offset, section=section, tag=tag, correct=not exact)
    answer = SearchResponse(
        query=found.query,
        corrected_query=found.corrected,
        count=len(found.hits),
        total=found.total,
        timed_out=found.timed_out,
        words=list(found.words),
        complete=found.complete,
        relaxed=found.relaxed,
        dropped=list(found.dropped),
        suggestions=[
            Suggestion(slug=hit.slug, title=hit.title, url=f"{base}{hit.url}")
            for hit in found.suggestions
        ],
        results=[
            SearchResult(
                slug=hit.slug,
                title=hit.title,
                section=hit.section,
                url=f"{base}{hit.url}" + (f"#{hit.anchor}" if hit.anchor else ""),
                anchor=hit.anchor,
                snippet=hit.snippet,
                score=hit.score,
                matched_all=hit.matched_all,
                sections=[
                    SectionResult(
                        anchor=s.anchor, title=s.title, url=f"{base}{s.url}", snippet=s.snippet
                    )
                    for s in hit.sections
                ],
            )
            for hit in found.hits
        ],
        facets={
            name: [FacetValue(value=f.value, count=f.count) for f in values]
            for name, values in found.facets.items()
        },
    )
    # Serialised once and kept: the same URL is answered from memory next time.
    page = Page.of(answer.model_dump_json().encode(), "application/json", "/api/search")
    if not found.timed_out and kb.settings.search_cache:
        kb.responses.put(request_key(request.scope), page)
    return page.respond(request)


class Health(BaseModel):
    status: str  # "ok"; "degraded" when there are problems; "starting" while examples start
    examples_starting: bool
    entries: int
    broken_entries: int
    examples_running: int
    sandboxes_alive: int
    problems: list[str]


async def healthz(
    kb: KB,
    wait: Annotated[
        bool, Query(description="Answer once every example has been tried, not at once.")
    ] = False,
) -> Health:
    """Whether the KB serves its whole catalogue: entry count, broken entries, problems.

    The examples start in the background once the server is up: until every one has
    been tried, ``status`` is "starting" (unless a problem is already known) and
    ``examples_starting`` true. With ``wait=true`` the answer waits for them, so that an
    example that fails to start is in the report.
    """
    if wait:
        await kb.examples_checked.wait()
    starting = not kb.examples_checked.is_set()
    problems = kb.problems()
    root = kb.settings.content_dir.parent
    return Health(
        status="degraded" if problems else "starting" if starting else "ok",
        examples_starting=starting,
        entries=len(kb.catalogue.entries),
        broken_entries=len(kb.catalogue.broken),
        examples_running=sum(kb.has_example(slug) for slug in kb.catalogue.entries),
        sandboxes_alive=len(kb.sandboxes),
        problems=[problem.format(relative_to=root) for problem in problems],
    )


async def metrics(request: Request) -> Response:
    """Prometheus metrics: requests and latency by route, sandboxes, rate-limit rejections."""
    exported = request.app.state.metrics
    return Response(exported.render(), media_type=exported.content_type)

"""Every route and mount of the knowledge base, in one place.

Routes are tried in the order :func:`install` adds them.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.sse import EventSourceResponse

from kb.contribute import views as contribute
from kb.dev import reload as devreload
from kb.knowledge import KnowledgeBase
from kb.sandbox.mount import ExamplesMount
from kb.web import api, docs, exports, pages, tryit, trylive, trysandbox, trysocket
from kb.web.assets import Assets, HashedStaticFiles

# Pages (HTML) for readers: none of them is part of the JSON API's schema.
site = APIRouter(default_response_class=HTMLResponse)
site.add_api_route("/", pages.home)
site.add_api_route("/sections/{slug}", pages.section)
# Before /patterns/{slug}, which would take "greeting.hurl" for a slug.
site.add_api_route("/patterns/{slug}.hurl", exports.hurl, response_class=Response)
site.add_api_route("/patterns/{slug}", pages.entry)
site.add_api_route("/tags/{name}", pages.tag)
site.add_api_route("/search", pages.search)
site.add_api_route("/highlight.css", pages.highlight_css, response_class=Response)
site.add_api_route("/try/{slug}/reset", trysandbox.reset, methods=["POST"])
site.add_api_route("/try/{slug}/values", trysandbox.captured_values, methods=["GET", "POST"])
site.add_api_route("/docs", docs.swagger)
# Contributing: the guide, and the editor that proposes entries (kb.contribute.views).
site.add_api_route("/contributing", contribute.guide)
site.add_api_route("/contribute", contribute.form)
site.add_api_route("/contribute/preview", contribute.preview, methods=["POST"])
site.add_api_route("/contribute", contribute.propose, methods=["POST"])

# The JSON API, described at /openapi.json and /docs.
api_router = APIRouter()
api_router.add_api_route("/api/patterns", api.list_patterns, tags=["patterns"])
api_router.add_api_route(
    "/api/patterns/{slug}",
    api.get_pattern,
    tags=["patterns"],
    responses={404: {"description": "No such pattern"}},
)
api_router.add_api_route(
    "/api/search", api.search, tags=["search"], response_model=api.SearchResponse
)
api_router.add_api_route("/healthz", api.healthz, tags=["operations"])
api_router.add_api_route("/metrics", api.metrics, tags=["operations"], response_class=Response)

# Development mode only (KB_DEV, `kb serve --reload`): production neither routes nor
# links these.
dev = APIRouter()
dev.add_api_route("/__dev/events", devreload.events, response_class=EventSourceResponse)


def install(
    app: FastAPI, kb: KnowledgeBase, assets: Assets, static_dir: Path, dev_mode: bool = False
) -> None:
    """Add every route and mount to ``app``.

    The console is the busiest route the router sees (pages and searches in memory never
    reach it), so it goes first and on the app itself: an included router's routes are
    matched twice per request.
    """
    app.add_route(
        tryit.TryEndpoint.path,
        tryit.try_request,  # type: ignore[arg-type]  # an ASGI app, which Route runs as it is; add_route's annotation names only request functions
        methods=["POST"],
        include_in_schema=False,
    )
    # The same, for the page's script: a response that streams is shown as it arrives.
    app.add_route(
        trylive.LiveTryEndpoint.path,
        trylive.live_request,  # type: ignore[arg-type]  # an ASGI app, as above
        methods=["POST"],
        include_in_schema=False,
    )
    # The page's WebSocket player, which a browser's own WebSocket could not be: the
    # block's headers sent as written, and the example's refusals told as they were.
    app.router.add_websocket_route(trysocket.PATH, trysocket.try_socket)
    app.include_router(site, include_in_schema=False)
    app.include_router(api_router)
    if dev_mode:
        app.include_router(dev, include_in_schema=False)
    app.mount("/static", HashedStaticFiles(assets=assets, directory=static_dir), name="static")
    # Each entry's example app, in the reader's own sandbox; its /docs and /redoc (and
    # those of its sub-applications) are local pages.
    app.mount("/examples", ExamplesMount(kb.example_app, docs.example_docs, pages.not_found_page))

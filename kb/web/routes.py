"""Every route of the knowledge base, in one place."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.sse import EventSourceResponse

from kb.contribute import views as contribute
from kb.dev import reload as devreload
from kb.web import api, pages, tryit

router = APIRouter()

# Pages (HTML); not part of the JSON API's schema.
router.add_api_route("/", pages.home, response_class=HTMLResponse, include_in_schema=False)
router.add_api_route(
    "/sections/{slug}", pages.section, response_class=HTMLResponse, include_in_schema=False
)
router.add_api_route(
    "/patterns/{slug}", pages.entry, response_class=HTMLResponse, include_in_schema=False
)
router.add_api_route(
    "/tags/{name}", pages.tag, response_class=HTMLResponse, include_in_schema=False
)
router.add_api_route("/search", pages.search, response_class=HTMLResponse, include_in_schema=False)
router.add_api_route("/highlight.css", pages.highlight_css, include_in_schema=False)

# Contributing: the guide, and the editor that proposes entries (kb/contribute.py).
router.add_api_route(
    "/contributing", contribute.guide, response_class=HTMLResponse, include_in_schema=False
)
router.add_api_route(
    "/contribute", contribute.form, response_class=HTMLResponse, include_in_schema=False
)
router.add_api_route(
    "/contribute/preview",
    contribute.preview,
    methods=["POST"],
    response_class=HTMLResponse,
    include_in_schema=False,
)
router.add_api_route(
    "/contribute",
    contribute.propose,
    methods=["POST"],
    response_class=HTMLResponse,
    include_in_schema=False,
)

# The JSON API.
router.add_api_route("/api/patterns", api.list_patterns, tags=["patterns"])
router.add_api_route(
    "/api/patterns/{slug}",
    api.get_pattern,
    tags=["patterns"],
    responses={404: {"description": "No such pattern"}},
)
router.add_api_route("/api/search", api.search, tags=["search"], response_model=api.SearchResponse)
router.add_api_route(
    "/try/{slug}/reset",
    tryit.reset,
    methods=["POST"],
    response_class=HTMLResponse,
    include_in_schema=False,
)
router.add_api_route("/healthz", api.healthz, tags=["operations"])
router.add_api_route("/metrics", api.metrics, tags=["operations"], response_class=Response)

# Mounted in kb.app.create_app: /static (files) and /examples/{slug}/... (example apps).


# Development mode only (KB_DEV, `kb serve --reload`): install() includes this router
# only then, so production neither routes nor links these.
dev_router = APIRouter()
dev_router.add_api_route(
    "/__dev/events",
    devreload.events,
    response_class=EventSourceResponse,
    include_in_schema=False,
)


def install(app: FastAPI, dev: bool = False) -> None:
    """Add every route to ``app``.

    Routes are tried in order. The console is the busiest route the router sees (pages
    and searches in memory never reach it), so it goes first and on the app itself: an
    included router's routes are matched twice per request.
    """
    app.add_route(
        tryit.TryEndpoint.path, tryit.try_request, methods=["POST"], include_in_schema=False
    )
    app.include_router(router)
    if dev:
        app.include_router(dev_router)

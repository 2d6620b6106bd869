"""The knowledge base's ASGI app: settings in, the front door around a FastAPI app out.

What uvicorn serves (``kb serve``, the deploy set-up), the tests' TestClient and the
browser tests' live server all get the same callable from :func:`create_app`: the front
door, outermost, which applies every guard to every request and answers pages and
searches already rendered before any framework code runs; everything else it hands to
the FastAPI app with every route (:attr:`KnowledgeBaseApp.fastapi`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from inspect import isawaitable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp

from kb import __version__
from kb.contribute.views import Contributions
from kb.dev.reload import DevReloader
from kb.knowledge import KnowledgeBase
from kb.middleware.frontdoor import Cached, FrontDoor, Guards, Visit
from kb.middleware.observability import Metrics
from kb.middleware.ratelimit import RateLimiter, Rule
from kb.middleware.security import BodyLimit, TrustedHosts
from kb.settings import Settings, get_settings
from kb.web import routes
from kb.web.assets import Assets
from kb.web.pages import not_found_page
from kb.web.templating import build_templates

log = logging.getLogger("kb")
EXAMPLES_WAIT = 1.0  # seconds an idle server waits for a first request before starting examples


DIRECT_ROUTES_WITHIN = 4  # the router's first routes looked at for plain ASGI ones
_INTERNAL_SERVER_ERROR = PlainTextResponse("Internal Server Error", status_code=500)


class KnowledgeBaseApp(FrontDoor):
    """The front door with the FastAPI app behind it; ``state`` is that app's state."""

    def __init__(
        self,
        fastapi: FastAPI,
        guards: Guards,
        cached: Cached,
        metrics: Metrics,
        first_request: threading.Event,
    ) -> None:
        # An example answers HEAD as its own app does (FastAPI: 405 on a GET route).
        super().__init__(
            fastapi,
            guards,
            cached,
            metrics,
            first_request=first_request,
            heads_kept=("/examples/",),
        )
        self.fastapi = fastapi

        # The plain ASGI routes at the head of the router (the consoles): the front door
        # calls them itself, with their path parameters, as the router would, skipping
        # FastAPI's middleware stack. Their exceptions are answered below as that stack
        # answers them.
        self.direct: dict[int, tuple[ASGIApp, ASGIApp]] = {}  # by id: a Route is unhashable
        # The routes up to the last direct one, each with the literal start of its path
        # (a path that does not start so cannot match it: no regular expression tried).
        self.leading: list[tuple[str, BaseRoute]] = []
        leading = fastapi.router.routes[:DIRECT_ROUTES_WITHIN]
        for number, route in enumerate(leading):
            if isinstance(route, Route) and route.app is route.endpoint:
                gzip_endpoint = GZipMiddleware(route.app, minimum_size=self.gzip_minimum_size)
                self.direct[id(route)] = (route.app, gzip_endpoint)
                self.leading = [
                    (getattr(each, "path", "").partition("{")[0], each)
                    for each in leading[: number + 1]
                ]

    @property
    def state(self) -> State:
        return self.fastapi.state

    async def pass_to_app(
        self, visit: Visit, app: ASGIApp | None = None, gzip_app: ASGIApp | None = None
    ) -> None:
        if app is not None:  # an answer chosen already (answer_error's)
            await super().pass_to_app(visit, app, gzip_app)
            return
        scope = visit.scope
        direct = None
        path = scope["path"]
        for start, route in self.leading:  # in the router's order: the first full match answers
            if not path.startswith(start):
                continue
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                direct = self.direct.get(id(route))
                break
        if direct is None:
            await super().pass_to_app(visit)
            return
        scope.update(child_scope)
        scope["app"], scope["router"] = self.fastapi, self.fastapi.router  # as they set them
        try:
            await super().pass_to_app(visit, *direct)
        except Exception as exc:
            await self.answer_error(visit, exc)

    async def answer_error(self, visit: Visit, exc: Exception) -> None:
        """As FastAPI's stack answers an exception: its handler for the exception (an
        HTTPException by its status, then by class), or a plain 500 and the exception on
        to the server, which logs it."""
        if visit.answered:
            raise exc
        handlers = self.fastapi.exception_handlers
        handler = None
        if isinstance(exc, HTTPException):
            handler = handlers.get(exc.status_code)
        for cls in type(exc).__mro__:
            if handler is not None:
                break
            handler = handlers.get(cls)
        if handler is None:
            await super().pass_to_app(visit, _INTERNAL_SERVER_ERROR, _INTERNAL_SERVER_ERROR)
            raise exc
        response = handler(Request(visit.scope), exc)
        if isawaitable(response):
            response = await response
        await super().pass_to_app(visit, response, response)


def create_app(settings: Settings | None = None) -> KnowledgeBaseApp:
    # Building the KB makes objects by the hundred thousand and frees few: the garbage
    # collector's passes over them find nothing and took an eighth of a cold start. It
    # is on again once the app is built.
    one_per_process = not gc.isenabled()  # kb serve turns it off before the import
    gc.disable()
    try:
        return _create_app(settings or get_settings())
    finally:
        if one_per_process:
            # What was built lives as long as the process: frozen, the first collections
            # after start-up (during the first requests) need not walk it all.
            gc.freeze()
        gc.enable()


def _create_app(settings: Settings) -> KnowledgeBaseApp:
    kb = KnowledgeBase(settings)
    assets = Assets(settings.static_dir)
    templates = build_templates(
        settings.templates_dir, dev=settings.dev, assets=assets, cache_dir=settings.cache_dir
    )
    contributions = Contributions.from_settings(settings)
    reloader = DevReloader(kb) if settings.dev else None
    metrics = Metrics(sandboxes_alive=lambda: len(kb.sandboxes))

    async def sweep_idle_sandboxes() -> None:
        interval = min(60.0, settings.sandbox_idle_seconds / 2)
        while True:
            await asyncio.sleep(interval)
            await kb.sandboxes.sweep()

    # Not an asyncio.Event: the app may be served by several event loops in turn (tests).
    first_request = threading.Event()

    async def start_examples() -> None:
        # The first page comes before the examples: importing one holds the event loop
        # for up to a fifth of a second. A server that nobody asks starts them anyway.
        waited = 0.0
        while not first_request.is_set() and waited < EXAMPLES_WAIT:
            await asyncio.sleep(0.02)
            waited += 0.02
        await kb.start_examples()
        if not settings.dev:
            # What is alive now (code, catalogue, the examples' public sandboxes) lives as
            # long as the process: a full collection would walk it all again and again, at
            # tens of ms a time. Frozen objects are never collected; a public sandbox closed
            # later leaves its cycles behind once, bounded by this one set.
            gc.freeze()
        log.info(
            "serving %d entries, %d example apps started",
            len(kb.catalogue.entries),
            len(kb.sandboxes),
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Pages answer at once; each example starts in the background and a reader's first
        # request to one that has not started yet starts the reader's own sandbox anyway.
        starter = asyncio.create_task(start_examples())
        sweeper = asyncio.create_task(sweep_idle_sandboxes())
        # In a thread, after the first pages: it imports SQLAlchemy and may wait on a
        # database server. A proposal sent before it is done creates the tables itself.
        proposals = asyncio.create_task(asyncio.to_thread(contributions.start))
        if reloader is not None:
            reloader.start()
        try:
            yield
        finally:
            if reloader is not None:
                await reloader.aclose()
            contributions.close()
            for task in (starter, sweeper, proposals):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await kb.aclose()

    app = FastAPI(
        title="FastAPI Patterns",
        version=__version__,
        summary="A searchable knowledge base of FastAPI patterns, each a live example.",
        lifespan=lifespan,
        docs_url=None,  # replaced by a Swagger UI page with local assets, below
        redoc_url=None,
        # The KB exports Prometheus metrics and JSON logs of its own (kb.middleware.observability);
        # FastAPI's OpenTelemetry hooks would only ask the environment on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.kb = kb
    app.state.templates = templates
    app.state.metrics = metrics
    app.state.contributions = contributions
    app.state.devreload = reloader
    limiter = RateLimiter(
        [
            Rule.per_minute("try", "/try/", settings.rate_limit_try, frozenset({"POST"})),
            Rule.per_minute("examples", "/examples/", settings.rate_limit_examples),
            Rule.per_minute("search", "/search", settings.rate_limit_search),
            Rule.per_minute("search", "/api/search", settings.rate_limit_search),
        ]
    )
    # The console's WebSocket relay counts each conversation it opens as one "try".
    app.state.limiter = limiter
    routes.install(app, kb, assets, settings.static_dir, dev_mode=settings.dev)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        wants_html = "text/html" in request.headers.get("accept", "")
        if exc.status_code == 404 and wants_html and not request.url.path.startswith("/api/"):
            return not_found_page(request.scope)
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    # Outermost, not in FastAPI's middleware stack: a page from memory costs no framework
    # code at all. An error in the app still gets FastAPI's error answer (its own
    # outermost layer), with the front door's headers added on the way out.
    return KnowledgeBaseApp(
        app,
        guards=Guards(
            hosts=TrustedHosts(settings.trusted_hosts),
            limiter=limiter,
            body_limit=BodyLimit(
                settings.max_body,
                prefixes=("/try/", "/examples/"),
                max_upload=settings.max_upload,
            ),
            secret=settings.secret_key,
        ),
        cached=Cached(kb.pages, kb.responses, response_paths=("/search", "/api/search")),
        metrics=metrics,
        first_request=first_request,
    )

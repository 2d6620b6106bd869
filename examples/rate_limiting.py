"""Per-client, per-route rate limits with the `limits` library, applied as dependencies."""

import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, status
from fastapi.routing import iter_route_contexts
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

PRODUCTS = ["desk lamp", "lamp shade", "standing desk", "desk mat", "floor lamp"]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # One storage and limiter per app; in production the storage is shared (Redis).
    app.state.limiter_storage = MemoryStorage()
    app.state.limiter = MovingWindowRateLimiter(app.state.limiter_storage)
    app.state.route_templates = route_templates(app)  # every route is registered by now
    yield
    app.state.limiter_storage.reset()


def route_templates(app: FastAPI) -> dict[int, str]:
    """The full path template of every route, `/v2/search` and not `/search`, by route id.

    The matched route is in `scope["route"]`, but since FastAPI 0.137 the route of an
    included router is the router's own object: its `path` lacks the prefix given to
    `include_router`. The app's route contexts have the full template.
    """
    templates: dict[int, str] = {}
    for context in iter_route_contexts(app.routes):
        if not context.path:
            continue
        template = templates.setdefault(id(context.original_route), context.path)
        if template != context.path:
            raise RuntimeError(
                f"one route object serves both {template} and {context.path}: build a "
                "fresh router for each prefix, or their clients would share one budget"
            )
    return templates


def client_key(request: Request) -> str:
    """Who is asking: the client address, which the proxy middleware has made real."""
    return request.client.host if request.client else "unknown"


def rate_limit(limit: str) -> Callable[[Request, Response], None]:
    """A dependency that allows each client `limit` calls (e.g. "2/minute") to a route."""
    item: RateLimitItem = parse(limit)

    def check(request: Request, response: Response) -> None:
        limiter: MovingWindowRateLimiter = request.app.state.limiter
        # One bucket per route template and client: /v1/search and /v2/search count apart.
        scope = request.app.state.route_templates[id(request.scope["route"])]
        key = client_key(request)
        allowed = limiter.hit(item, scope, key)
        stats = limiter.get_window_stats(item, scope, key)
        headers = {
            "X-RateLimit-Limit": str(item.amount),
            "X-RateLimit-Remaining": str(stats.remaining),
        }
        if not allowed:
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise HTTPException(
                status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                detail=f"Rate limit exceeded: {limit}.",
                headers={**headers, "Retry-After": str(retry_after)},
            )
        response.headers.update(headers)

    return check


def create_app() -> FastAPI:
    app = FastAPI(title="Rate limiting", lifespan=lifespan)
    # Behind a reverse proxy, request.client is the proxy. Trust X-Forwarded-For from it
    # (and only from it) so that every real client gets its own bucket.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=["127.0.0.1"])

    @app.get("/search", dependencies=[Depends(rate_limit("2/minute"))])
    def search(q: Annotated[str, Query(min_length=1, max_length=50)]) -> dict[str, list[str]]:
        """An expensive endpoint: two searches per client per minute."""
        return {"results": [name for name in PRODUCTS if q.lower() in name]}

    @app.get("/products", dependencies=[Depends(rate_limit("60/minute"))])
    def list_products() -> dict[str, list[str]]:
        """A cheap endpoint with a generous limit of its own."""
        return {"products": PRODUCTS}

    return app

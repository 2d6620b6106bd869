"""Per-client rate limits with the ``limits`` library: 429 and Retry-After when exceeded.

The client is the address uvicorn reports, which behind a trusted proxy is the one in
X-Forwarded-For (``kb serve`` runs uvicorn with proxy headers from ``forwarded_allow_ips``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class Rule:
    name: str  # "try", "examples", "search": also the metric's label
    prefix: str
    per_minute: int  # 0: no limit
    methods: frozenset[str] = frozenset(
        {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
    )


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        rules: list[Rule],
        on_reject: Callable[[str], None] = lambda name: None,
    ) -> None:
        self.app = app
        self.rules = [rule for rule in rules if rule.per_minute > 0]
        self.items = {rule.name: RateLimitItemPerMinute(rule.per_minute) for rule in self.rules}
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.on_reject = on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self._rule_for(scope) if scope["type"] == "http" else None
        if rule is None:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        item = self.items[rule.name]
        if self.limiter.hit(item, rule.name, client):
            await self.app(scope, receive, send)
            return
        self.on_reject(rule.name)
        reset = self.limiter.get_window_stats(item, rule.name, client).reset_time
        retry_after = max(1, math.ceil(reset - time.time()))
        response = PlainTextResponse(
            f"Too many requests: at most {rule.per_minute} per minute. "
            f"Try again in {retry_after} s.",
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)

    def _rule_for(self, scope: Scope) -> Rule | None:
        path, method = scope["path"], scope["method"]
        for rule in self.rules:
            if path.startswith(rule.prefix) and method in rule.methods:
                return rule
        return None

"""Per-client rate limits with the ``limits`` library: 429 and Retry-After when exceeded.

The client is the address uvicorn reports, which behind a trusted proxy is the one in
X-Forwarded-For (``kb serve`` runs uvicorn with proxy headers from ``forwarded_allow_ips``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class Rule:
    name: str  # "try", "examples", "search": also the metric's label
    prefix: str
    per_minute: int  # 0: no limit
    methods: frozenset[str] = frozenset(
        {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
    )


@dataclass(frozen=True)
class Refusal:
    rule: Rule
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        return (
            f"Too many requests: at most {self.rule.per_minute} per minute. "
            f"Try again in {self.retry_after} s."
        )


class RateLimiter:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = [rule for rule in rules if rule.per_minute > 0]
        self.items = {rule.name: RateLimitItemPerMinute(rule.per_minute) for rule in self.rules}
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, path: str, method: str, client: str) -> Refusal | None:
        """Count the request against its rule; a :class:`Refusal` when over the limit."""
        rule = self._rule_for(path, method)
        if rule is None:
            return None
        item = self.items[rule.name]
        if self.limiter.hit(item, rule.name, client):
            return None
        reset = self.limiter.get_window_stats(item, rule.name, client).reset_time
        return Refusal(rule, max(1, math.ceil(reset - time.time())))

    def _rule_for(self, path: str, method: str) -> Rule | None:
        for rule in self.rules:
            if path.startswith(rule.prefix) and method in rule.methods:
                return rule
        return None

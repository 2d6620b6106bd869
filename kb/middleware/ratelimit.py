"""Per-client rate limits with the ``limits`` library: 429 and Retry-After when exceeded.

One limiter, named rules. A rule with a path prefix is applied by the front door to the
requests under it; a rule without one is applied by name where the KB decides (the
/contribute views count previews and proposals). The client is the address uvicorn
reports, which behind a trusted proxy is the one in X-Forwarded-For (``kb serve`` runs
uvicorn with proxy headers from ``forwarded_allow_ips``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

ALL_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_PATHS_REMEMBERED = 4096


@dataclass(frozen=True)
class Rule:
    name: str  # "try", "examples", "search", "proposals": also the metric's label
    limit: RateLimitItem | None  # None: no limit
    prefix: str | None = None  # the paths it applies to; None: applied by name only
    methods: frozenset[str] = field(default=ALL_METHODS)

    @classmethod
    def per_minute(
        cls, name: str, prefix: str, count: int, methods: frozenset[str] = ALL_METHODS
    ) -> Rule:
        """A rule on the paths under ``prefix``; ``count`` 0 means no limit."""
        return cls(name, RateLimitItemPerMinute(count) if count > 0 else None, prefix, methods)

    @classmethod
    def named(cls, name: str, rate: str) -> Rule:
        """A rule applied by name, with a rate in the ``limits`` notation ("5/hour")."""
        return cls(name, parse(rate))


@dataclass(frozen=True)
class Refusal:
    rule: Rule
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        limit = self.rule.limit
        assert limit is not None  # only a rule with a limit refuses
        per = (
            limit.GRANULARITY.name
            if limit.multiples == 1
            else f"{limit.multiples} {limit.GRANULARITY.name}s"
        )
        return (
            f"Too many requests: at most {limit.amount} per {per}. "
            f"Try again in {self.retry_after} s."
        )


_UNKNOWN = Rule("unknown", None)  # a path whose rule is not looked up yet


class RateLimiter:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = [rule for rule in rules if rule.limit is not None]
        self._by_name = {rule.name: rule for rule in self.rules}
        self._paths = [rule for rule in self.rules if rule.prefix is not None]
        # The rule of each (path, method) seen: most paths have none, and a page asked
        # for again and again need not be held against every prefix again.
        self._rule_of: dict[tuple[str, str], Rule | None] = {}
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, path: str, method: str, client: str) -> Refusal | None:
        """Count the request against its path's rule; a :class:`Refusal` when over the limit."""
        if not self._paths:
            return None
        key = (path, method)
        rule = self._rule_of.get(key, _UNKNOWN)
        if rule is _UNKNOWN:
            rule = next(
                (r for r in self._paths if path.startswith(r.prefix or "") and method in r.methods),
                None,
            )
            if len(self._rule_of) < _PATHS_REMEMBERED:  # the paths a site has, not all asked
                self._rule_of[key] = rule
        return None if rule is None else self._hit(rule, client)

    def hit_named(self, name: str, client: str) -> Refusal | None:
        """Count one use of the rule called ``name`` (no rule by that name: no limit)."""
        rule = self._by_name.get(name)
        return self._hit(rule, client) if rule is not None else None

    def _hit(self, rule: Rule, client: str) -> Refusal | None:
        assert rule.limit is not None  # rules without a limit were dropped in __init__
        if self.limiter.hit(rule.limit, rule.name, client):
            return None
        reset = self.limiter.get_window_stats(rule.limit, rule.name, client).reset_time
        return Refusal(rule, max(1, math.ceil(reset - time.time())))

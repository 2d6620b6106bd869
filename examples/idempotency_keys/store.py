"""Idempotency keys: claimed before the work, answered from storage after it."""

import hashlib
import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import Response

REPLAYED_HEADER = "Idempotent-Replayed"
# What a replay must repeat besides status and body. Not Date, Set-Cookie or a request id:
# those belong to the response they were sent with.
STORED_HEADERS = ("content-type", "location")

KeyScope = tuple[str, str]  # (client, key): one client's key never meets another's


class KeyReused(Exception):
    """The key was first used for a different request."""


class KeyInFlight(Exception):
    """The first request with this key has not finished (or crashed less than a lease ago)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: bytes
    headers: dict[str, str]

    @classmethod
    def of(cls, response: Response) -> "StoredResponse":
        kept = {name: response.headers[name] for name in STORED_HEADERS if name in response.headers}
        return cls(response.status_code, bytes(response.body), kept)

    def replay(self) -> Response:
        return Response(self.body, self.status_code, {**self.headers, REPLAYED_HEADER: "true"})


@dataclass
class KeyRecord:
    fingerprint: str  # what the first request asked for
    expires_at: float  # when the key is forgotten and may be used afresh
    locked_until: float  # the first request's lease: until then, retries wait
    response: StoredResponse | None = None  # None until the first request finishes


def fingerprint(method: str, path: str, body: object) -> str:
    """A hash of what the request asks for, so that a retry can be told from a new request."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore:
    """The keys of every client, in memory. `begin` before the work, `finish` after it.

    There is no `release`: a request that stops half-way (a crash, a bug, a lost worker)
    keeps its key locked for `lease` seconds, then a retry takes it over. The work must
    therefore be safe to run again, which passing the key downstream makes it.
    """

    def __init__(
        self, ttl: float, lease: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.lease, self.clock = ttl, lease, clock
        # Oldest first: every key expires `ttl` after its first use, so insertion order
        # is expiry order and purging stops at the first live key.
        self._records: OrderedDict[KeyScope, KeyRecord] = OrderedDict()

    def begin(self, scope: KeyScope, fingerprint: str) -> StoredResponse | None:
        """Claim the key, or say why not. None means: do the work, then call `finish`."""
        now = self.clock()
        while self._records and next(iter(self._records.values())).expires_at <= now:
            self._records.popitem(last=False)
        record = self._records.get(scope)
        if record is None:
            self._records[scope] = KeyRecord(fingerprint, now + self.ttl, now + self.lease)
            return None
        if record.fingerprint != fingerprint:
            raise KeyReused
        if record.response is not None:
            return record.response
        if now < record.locked_until:
            raise KeyInFlight(retry_after=math.ceil(record.locked_until - now))
        record.locked_until = now + self.lease  # the first attempt crashed: this one takes over
        return None

    def finish(self, scope: KeyScope, response: Response) -> None:
        self._records[scope].response = StoredResponse.of(response)

    def __len__(self) -> int:
        return len(self._records)

"""The identity provider's public keys, fetched with httpx2, cached, refreshed on rotation."""

import asyncio
import logging
import re
import time
from collections.abc import Callable

import httpx2
import jwt

log = logging.getLogger(__name__)
MAX_AGE = re.compile(r"max-age=(\d+)")


class KeysUnavailable(Exception):
    """The key set could not be fetched and none is cached: no token can be checked."""


class JWKSCache:
    """A JWKS cache: fetched on first use, kept for the provider's ``max-age`` (or
    ``default_ttl``), and refetched at once when a token names a ``kid`` it lacks — the
    provider has rotated its key. An unknown ``kid`` forces at most one refetch per
    ``refetch_cooldown`` seconds, so tokens with made-up kids cannot make this API
    hammer the provider.
    """

    def __init__(
        self,
        client: httpx2.AsyncClient,
        jwks_uri: str,
        *,
        default_ttl: float = 600,
        refetch_cooldown: float = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.jwks_uri = jwks_uri
        self.default_ttl = default_ttl
        self.refetch_cooldown = refetch_cooldown
        self.clock = clock
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetches = 0
        self.expires_at = 0.0
        self.last_forced = -refetch_cooldown
        self.lock = asyncio.Lock()  # concurrent misses wait for one fetch, not one each

    async def key_for(self, kid: str) -> jwt.PyJWK | None:
        if self.clock() >= self.expires_at:
            await self.refresh(seen=self.fetches)
        if kid not in self.keys and self.clock() - self.last_forced >= self.refetch_cooldown:
            self.last_forced = self.clock()
            await self.refresh(seen=self.fetches)
        return self.keys.get(kid)

    async def refresh(self, seen: int) -> None:
        async with self.lock:
            if self.fetches != seen:  # another request refreshed while this one waited
                return
            try:
                response = await self.client.get(self.jwks_uri)
                response.raise_for_status()
                key_set = jwt.PyJWKSet.from_dict(response.json())
            except (httpx2.HTTPError, ValueError, jwt.PyJWKSetError) as exc:
                if not self.keys:
                    raise KeysUnavailable(str(exc)) from exc
                # Keep the keys we have: a provider's blip must not log everyone out.
                log.warning("JWKS refresh failed, keeping the cached keys: %r", exc)
                self.expires_at = self.clock() + min(self.default_ttl, 60)
                return
            self.fetches += 1
            # Keys without a kid cannot be chosen safely, and keys for other uses
            # (encryption) must never verify a signature.
            self.keys = {
                key.key_id: key
                for key in key_set.keys
                if key.key_id and key.public_key_use in (None, "sig")
            }
            match = MAX_AGE.search(response.headers.get("cache-control", ""))
            ttl = float(match.group(1)) if match else self.default_ttl
            self.expires_at = self.clock() + ttl

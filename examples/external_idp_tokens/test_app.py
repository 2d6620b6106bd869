"""Tokens from the provider are accepted, tokens for others or of another kind are not, and
the key cache follows rotation without letting made-up kids hammer the provider."""

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient

from .app import create_app
from .auth import AUDIENCE, ISSUER
from .idp import CLIENTS, FakeIdentityProvider
from .jwks import JWKSCache, KeysUnavailable

DASHBOARD = {"client_id": "reports-dashboard", "client_secret": "dashboard-secret"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def provider(client: TestClient) -> FakeIdentityProvider:
    found: FakeIdentityProvider = client.app.state.provider  # type: ignore[attr-defined]
    return found


def token(client: TestClient, **form: str) -> str:
    response = client.post("/fake-idp/token", data={**DASHBOARD, **form})
    assert response.status_code == 200
    return str(response.json()["access_token"])


def reports(client: TestClient, access_token: str) -> httpx2.Response:
    return client.get("/reports", headers={"Authorization": f"Bearer {access_token}"})


def signed(client: TestClient, headers: dict[str, Any] | None = None, **changes: Any) -> str:
    """A token signed with the provider's current key, with some claims changed."""
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": CLIENTS["reports-dashboard"].id,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "test",
        "scope": "reports:read",
        **changes,
    }
    key = provider(client).signing_key
    header = {"kid": key.kid, "typ": "at+jwt", **(headers or {})}
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers=header)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_token_from_the_provider_opens_the_api(client: TestClient) -> None:
    response = reports(client, token(client))
    assert response.status_code == 200
    assert response.json()["caller"] == CLIENTS["reports-dashboard"].id


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"aud": "https://billing.fastapi-patterns.example"}, "invalid token"),
        ({"iss": "https://evil.example"}, "invalid token"),
        ({"exp": datetime.now(UTC) - timedelta(minutes=2)}, "token expired"),
    ],
    ids=["another audience", "another issuer", "expired beyond the leeway"],
)
def test_a_signed_token_with_the_wrong_claims_is_a_401(
    client: TestClient, changes: dict[str, Any], detail: str
) -> None:
    response = reports(client, signed(client, **changes))
    assert response.status_code == 401
    assert response.json()["detail"] == detail
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_clock_a_few_seconds_off_is_tolerated(client: TestClient) -> None:
    just_expired = datetime.now(UTC) - timedelta(seconds=10)
    assert reports(client, signed(client, exp=just_expired)).status_code == 200


def test_an_id_token_signed_by_the_same_key_is_not_an_access_token(client: TestClient) -> None:
    response = reports(client, signed(client, headers={"typ": "JWT"}))
    assert response.status_code == 401
    assert response.json()["detail"] == "not an access token"


def test_hs256_signed_with_the_public_key_is_refused(client: TestClient) -> None:
    """The classic algorithm confusion: an HMAC keyed with the provider's *public* key."""
    token(client)  # the API has the key set now
    public_pem = (
        provider(client)
        .signing_key.private_key.public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    header = b64(json.dumps({"alg": "HS256", "kid": "key-1", "typ": "at+jwt"}).encode())
    now = int(datetime.now(UTC).timestamp())
    body = b64(
        json.dumps(
            {
                "iss": ISSUER,
                "aud": AUDIENCE,
                "sub": "cli_4b1d7e20",
                "iat": now,
                "exp": now + 60,
                "jti": "x",
            }
        ).encode()
    )
    signature = b64(hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest())
    assert reports(client, f"{header}.{body}.{signature}").status_code == 401


def test_a_client_without_the_scope_is_a_403(client: TestClient) -> None:
    exporter = token(client, client_id="audit-exporter", client_secret="exporter-secret")
    response = reports(client, exporter)
    assert response.status_code == 403
    assert "insufficient_scope" in response.headers["www-authenticate"]


def test_keys_are_fetched_once_and_follow_rotation(client: TestClient) -> None:
    before = token(client)
    for _ in range(5):
        assert reports(client, before).status_code == 200
    assert client.get("/auth/keys").json() == {"kids": ["key-1"], "fetches": 1}

    client.post("/fake-idp/rotate")
    after = token(client)
    assert jwt.get_unverified_header(after)["kid"] == "key-2"
    assert reports(client, after).status_code == 200  # unknown kid: one refetch found it
    assert reports(client, before).status_code == 200  # the old key is still published
    assert client.get("/auth/keys").json() == {"kids": ["key-1", "key-2"], "fetches": 2}

    client.post("/fake-idp/rotate")  # key-1 leaves the key set
    newest = token(client)
    # Within the refetch cooldown the new kid is not fetched yet: a 401 the client retries.
    assert reports(client, newest).status_code == 401


def test_made_up_kids_cannot_make_the_api_hammer_the_provider(client: TestClient) -> None:
    assert reports(client, token(client)).status_code == 200
    for number in range(10):
        forged = signed(client, headers={"kid": f"made-up-{number}"})
        assert reports(client, forged).status_code == 401
    assert client.get("/auth/keys").json()["fetches"] == 2  # the first fetch, one forced


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.anyio
async def test_the_key_set_expires_with_the_providers_max_age() -> None:
    idp, clock = FakeIdentityProvider(), Clock()
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=idp.app)) as http:
        keys = JWKSCache(http, f"{ISSUER}/.well-known/jwks.json", clock=clock)
        assert await keys.key_for("key-1") is not None
        clock.now += 299
        await keys.key_for("key-1")
        assert keys.fetches == 1
        clock.now += 1  # max-age=300 reached
        await keys.key_for("key-1")
        assert keys.fetches == 2


@pytest.mark.anyio
async def test_a_provider_outage_keeps_the_cached_keys_and_without_them_is_a_503() -> None:
    idp, clock = FakeIdentityProvider(), Clock()
    up = True

    async def handler(request: httpx2.Request) -> httpx2.Response:
        if not up:
            return httpx2.Response(503)
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=idp.app)) as real:
            reply = await real.get(str(request.url))
            return httpx2.Response(reply.status_code, headers=reply.headers, content=reply.content)

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as http:
        keys = JWKSCache(http, f"{ISSUER}/.well-known/jwks.json", clock=clock)
        assert await keys.key_for("key-1") is not None
        up = False
        clock.now += 1000  # expired, and the refetch fails
        assert await keys.key_for("key-1") is not None
        with pytest.raises(KeysUnavailable):
            await JWKSCache(http, f"{ISSUER}/.well-known/jwks.json").key_for("key-1")

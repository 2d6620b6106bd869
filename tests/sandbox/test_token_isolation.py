"""No token minted by one example is accepted by another, even when they share a key.

Every token-issuing example runs in-process with the same ``JWT_SECRET``, as services
of one company might. Only ``iss``, ``aud`` and the ``typ`` header then keep a token
where it belongs: a refresh token must never open an API, and a token for one API
must never open another.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from kb.sandbox import examples
from kb.settings import PROJECT_DIR

SHARED_SECRET = "one-key-that-every-example-shares-here"  # 32+ bytes: HS256 accepts it


@dataclass(frozen=True)
class Issuer:
    """How to log in to an example and which of its endpoints want an access token."""

    username: str
    password: str
    protected: tuple[str, ...]


ISSUERS = {
    "jwt_token_generation": Issuer("alice", "wonderland", ("/users/me", "/token/claims")),
    "jwt_token_validation": Issuer("alice", "wonderland", ("/users/me", "/orders")),
    "refresh_tokens": Issuer("alice", "wonderland", ("/users/me",)),
    "token_expiry": Issuer("alice", "wonderland", ("/users/me",)),
    "authentication_testing": Issuer("alice", "wonderland", ("/users/me",)),
    "swagger_ui": Issuer("alice", "wonderland", ("/users/me",)),  # opaque tokens, not JWTs
}
# What each login answers with: the access token, and for refresh_tokens a refresh token too.
MINTED = [(name, "access_token") for name in ISSUERS] + [("refresh_tokens", "refresh_token")]


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[str, TestClient]]:
    """Every token-issuing example, started with one shared signing key."""
    with pytest.MonkeyPatch.context() as patch, ExitStack() as stack:
        patch.setenv("JWT_SECRET", SHARED_SECRET)
        started = {}
        for name in ISSUERS:
            app = examples.build(PROJECT_DIR / "examples", name)
            started[name] = stack.enter_context(TestClient(app))  # runs the lifespan
        yield started


@pytest.fixture(scope="module")
def tokens(clients: dict[str, TestClient]) -> dict[tuple[str, str], str]:
    """Every token each example hands out at login, minted through its own /token."""
    minted = {}
    for name, issuer in ISSUERS.items():
        form = {"username": issuer.username, "password": issuer.password}
        response = clients[name].post("/token", data=form)
        assert response.status_code == 200, response.text
        for field in ("access_token", "refresh_token"):
            if field in response.json():
                minted[name, field] = response.json()[field]
    assert set(minted) == set(MINTED)
    return minted


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("name", ISSUERS)
def test_each_example_accepts_its_own_access_token(
    clients: dict[str, TestClient], tokens: dict[tuple[str, str], str], name: str
) -> None:
    # The control: without it, the refusals below could be an example that refuses everything.
    for path in ISSUERS[name].protected:
        response = clients[name].get(path, headers=bearer(tokens[name, "access_token"]))
        assert response.status_code == 200, (path, response.text)


@pytest.mark.parametrize(
    ("minter", "kind", "verifier"),
    [
        (minter, kind, verifier)
        for minter, kind in MINTED
        for verifier in ISSUERS
        if verifier != minter
    ],
    ids=lambda value: value,
)
def test_no_example_accepts_a_token_minted_by_another(
    clients: dict[str, TestClient],
    tokens: dict[tuple[str, str], str],
    minter: str,
    kind: str,
    verifier: str,
) -> None:
    for path in ISSUERS[verifier].protected:
        response = clients[verifier].get(path, headers=bearer(tokens[minter, kind]))
        assert response.status_code == 401, (path, response.text)


@pytest.mark.parametrize(
    ("minter", "kind"),
    [token for token in MINTED if token != ("refresh_tokens", "refresh_token")],
    ids=lambda value: value,
)
def test_the_refresh_endpoint_takes_only_its_own_refresh_tokens(
    clients: dict[str, TestClient], tokens: dict[tuple[str, str], str], minter: str, kind: str
) -> None:
    response = clients["refresh_tokens"].post(
        "/token/refresh", json={"refresh_token": tokens[minter, kind]}
    )
    assert response.status_code == 401, response.text


def test_a_refresh_token_is_never_an_access_token(
    clients: dict[str, TestClient], tokens: dict[tuple[str, str], str]
) -> None:
    client, refresh = clients["refresh_tokens"], tokens["refresh_tokens", "refresh_token"]

    response = client.get("/users/me", headers=bearer(refresh))
    assert response.status_code == 401
    assert response.json()["detail"] == "not an access token"


def test_a_retyped_refresh_token_is_still_refused_for_its_audience(
    clients: dict[str, TestClient], tokens: dict[tuple[str, str], str]
) -> None:
    # Someone holding the key re-signs the refresh token's claims as an access token: the
    # typ header now passes, and the audience alone must still refuse it.
    claims: dict[str, Any] = jwt.decode(
        tokens["refresh_tokens", "refresh_token"],
        SHARED_SECRET,
        algorithms=["HS256"],
        options={"verify_aud": False},
    )
    retyped = jwt.encode(claims, SHARED_SECRET, algorithm="HS256", headers={"typ": "at+jwt"})

    response = clients["refresh_tokens"].get("/users/me", headers=bearer(retyped))
    assert response.status_code == 401, response.text


@pytest.mark.parametrize("minter", [name for name in ISSUERS if name != "swagger_ui"])
def test_jwt_access_tokens_are_typed_and_carry_an_immutable_subject(
    tokens: dict[tuple[str, str], str], minter: str
) -> None:
    token = tokens[minter, "access_token"]
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert {"iss", "aud", "sub", "exp"} <= claims.keys()
    assert claims["sub"] != ISSUERS[minter].username  # an id, not a name that may change

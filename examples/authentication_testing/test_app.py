"""Authentication tests: real logins for the happy paths, minted tokens for the edge cases."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from .app import (
    ACCESS_TOKEN_TYPE,
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    SECRET_ENV,
    TokenClaims,
    User,
    create_app,
    get_current_user,
    get_token_claims,
)

TEST_SECRET = "test-only-secret-that-is-32-bytes-or-more"
ALICE, GRACE = "usr_7b2e9d04", "usr_c5a1f83e"  # user ids: what a token's sub names
# argon2 with the cheapest parameters: the same code path, a hundred times faster.
FAST_HASH = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
Headers = dict[str, str]
MintToken = Callable[..., Headers]


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    """A fresh app whose signing key the tests know."""
    monkeypatch.setenv(SECRET_ENV, TEST_SECRET)
    return create_app(password_hash=FAST_HASH)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:  # runs the lifespan: users, password hashes, key
        yield client
    app.dependency_overrides.clear()  # no override outlives its test


def log_in(client: TestClient, username: str, password: str) -> Headers:
    response = client.post("/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def alice(client: TestClient) -> Headers:
    """Auth headers of a user with the ``profile`` scope only."""
    return log_in(client, "alice", "wonderland")


@pytest.fixture
def admin(client: TestClient) -> Headers:
    """Auth headers of a user with the ``admin`` scope."""
    return log_in(client, "grace", "hopper")


@pytest.fixture
def mint_token() -> MintToken:
    """Sign tokens the login endpoint never would: expired, unsigned, wrongly keyed."""

    def mint(
        sub: str = ALICE,
        scope: str = "profile",
        *,
        issued_ago: timedelta = timedelta(0),
        lifetime: timedelta = timedelta(minutes=5),
        key: str | None = TEST_SECRET,
        algorithm: str = ALGORITHM,
        drop: tuple[str, ...] = (),
        typ: str = ACCESS_TOKEN_TYPE,
        **overrides: Any,
    ) -> Headers:
        issued_at = datetime.now(UTC) - issued_ago
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": sub,
            "scope": scope,
            "iat": issued_at,
            "exp": issued_at + lifetime,
            **overrides,
        }
        for name in drop:
            del claims[name]
        token = jwt.encode(claims, key, algorithm=algorithm, headers={"typ": typ})
        return {"Authorization": f"Bearer {token}"}

    return mint


def test_login_issues_a_signed_bearer_token(client: TestClient) -> None:
    response = client.post("/token", data={"username": "alice", "password": "wonderland"})

    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    token = response.json()["access_token"]
    claims = jwt.decode(
        token, TEST_SECRET, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER
    )
    assert claims["sub"] == ALICE  # the id, not the username
    assert claims["scope"] == "profile"
    assert jwt.get_unverified_header(token)["typ"] == ACCESS_TOKEN_TYPE


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "looking-glass"), ("nobody", "wonderland")],
    ids=["wrong-password", "unknown-user"],
)
def test_bad_credentials_get_the_same_401(client: TestClient, username: str, password: str) -> None:
    response = client.post("/token", data={"username": username, "password": password})

    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect username or password"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_logged_in_user_reads_their_profile(client: TestClient, alice: Headers) -> None:
    response = client.get("/users/me", headers=alice)

    assert response.status_code == 200
    assert response.json() == {"username": "alice", "full_name": "Alice Liddell"}


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-jwt", "Basic YWxpY2U6d29uZGVybGFuZA=="],
    ids=["no-header", "garbage", "basic-auth"],
)
def test_requests_without_a_valid_bearer_token_are_401(
    client: TestClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = client.get("/users/me", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "forgery",
    [
        pytest.param({"key": "another-secret-that-is-32-bytes-long"}, id="wrong-key"),
        pytest.param({"key": None, "algorithm": "none"}, id="alg-none"),
        pytest.param({"drop": ("exp",)}, id="no-exp"),
        pytest.param({"drop": ("sub",)}, id="no-sub"),
        pytest.param({"sub": "usr_00000000"}, id="unknown-user"),
        pytest.param({"sub": "alice"}, id="username-as-sub"),
        pytest.param({"aud": "https://api.example/another-api"}, id="wrong-audience"),
        pytest.param({"drop": ("aud",)}, id="no-audience"),
        pytest.param({"iss": "https://auth.example/another-issuer"}, id="wrong-issuer"),
        pytest.param({"typ": "refresh+jwt"}, id="refresh-token-type"),
        pytest.param({"typ": "JWT"}, id="untyped"),
    ],
)
def test_forged_or_incomplete_tokens_are_401(
    client: TestClient, mint_token: MintToken, forgery: dict[str, Any]
) -> None:
    response = client.get("/users/me", headers=mint_token(**forgery))

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_expired_token_is_401_and_says_so(client: TestClient, mint_token: MintToken) -> None:
    expired = mint_token(issued_ago=timedelta(minutes=10), lifetime=timedelta(minutes=5))

    response = client.get("/users/me", headers=expired)

    assert response.status_code == 401
    assert response.json() == {"detail": "token expired"}


@pytest.mark.parametrize(
    ("expired_for", "status"),
    [(timedelta(seconds=10), 200), (timedelta(seconds=60), 401)],
    ids=["within-leeway", "past-leeway"],
)
def test_expiry_leeway_boundary(
    client: TestClient, mint_token: MintToken, expired_for: timedelta, status: int
) -> None:
    headers = mint_token(issued_ago=timedelta(minutes=5) + expired_for)

    assert client.get("/users/me", headers=headers).status_code == status


def test_a_missing_scope_is_403_not_401(client: TestClient, alice: Headers) -> None:
    response = client.get("/admin/users", headers=alice)

    assert response.status_code == 403
    assert response.json() == {"detail": "missing scope: admin"}


def test_the_admin_scope_opens_the_admin_endpoint(client: TestClient, admin: Headers) -> None:
    response = client.get("/admin/users", headers=admin)

    assert response.status_code == 200
    assert [user["username"] for user in response.json()] == ["alice", "grace"]


def test_the_token_scope_counts_not_the_user_record(
    client: TestClient, mint_token: MintToken
) -> None:
    # grace may be an admin, but this token was granted less.
    response = client.get("/admin/users", headers=mint_token(GRACE, scope="profile"))

    assert response.status_code == 403


def test_overriding_the_user_skips_authentication_and_authorization(
    app: FastAPI, client: TestClient
) -> None:
    app.dependency_overrides[get_current_user] = lambda: User(
        username="tester", full_name="Test User"
    )

    assert client.get("/users/me").json()["username"] == "tester"  # no token at all
    # The scope check lived in the overridden dependency, so it is gone too.
    assert client.get("/admin/users").status_code == 200


def test_overriding_the_claims_keeps_the_scope_check(app: FastAPI, client: TestClient) -> None:
    app.dependency_overrides[get_token_claims] = lambda: TokenClaims(sub=ALICE, scope="profile")

    assert client.get("/users/me").status_code == 200
    assert client.get("/admin/users").status_code == 403

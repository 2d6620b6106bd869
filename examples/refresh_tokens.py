"""Short-lived access tokens, rotating refresh tokens, and reuse detection."""

import os
import secrets
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pydantic import BaseModel
from starlette.datastructures import State

ALGORITHM = "HS256"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
REFRESH_TOKEN_LIFETIME = timedelta(days=14)
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "type"]
SECRET_ENV = "JWT_SECRET"
MIN_SECRET_BYTES = 32

# (username, password, full name): demo data only.
DEMO_USERS = (
    ("alice", "wonderland", "Alice Liddell"),
    ("bob", "builder", "Bob Builder"),
)

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", refreshUrl="token/refresh")

TokenType = Literal["access", "refresh"]


class User(BaseModel):
    username: str
    full_name: str


class StoredUser(User):
    password_hash: str


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class RefreshRequest(BaseModel):
    refresh_token: str


class WrongTokenType(jwt.InvalidTokenError):
    """A valid token of the other type: a refresh token sent as an access token, or vice versa."""


class RefreshError(Exception):
    """A refresh token that must not be honoured; the message is safe to show."""


@dataclass
class RefreshRecord:
    username: str
    family: str  # every token descended from one login shares it
    expires_at: datetime
    used: bool = False


class RefreshStore:
    """Server-side state of every refresh token, keyed by its ``jti``.

    In memory for the demo; in production a table or Redis, with ``rotate`` as one atomic
    "mark used where not used" update.
    """

    def __init__(self) -> None:
        self._tokens: dict[str, RefreshRecord] = {}
        self._revoked_families: set[str] = set()
        self._lock = threading.Lock()  # login runs in the threadpool

    def add(self, jti: str, username: str, family: str, expires_at: datetime) -> None:
        now = datetime.now(UTC)
        with self._lock:
            for expired in [k for k, r in self._tokens.items() if r.expires_at <= now]:
                del self._tokens[expired]
            self._tokens[jti] = RefreshRecord(username, family, expires_at)

    def rotate(self, jti: str) -> RefreshRecord:
        """Spend a refresh token once; a second use revokes its whole family."""
        with self._lock:  # check and mark in one step, or two racing requests both win
            record = self._tokens.get(jti)
            if record is None:
                raise RefreshError("unknown refresh token")
            if record.family in self._revoked_families:
                raise RefreshError("refresh token revoked")
            if record.used:  # a spent token came back: assume it was stolen
                self._revoked_families.add(record.family)
                raise RefreshError("refresh token reuse detected")
            record.used = True
            return record

    def revoke_family(self, family: str) -> None:
        with self._lock:
            self._revoked_families.add(family)


def signing_key() -> str:
    key = os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32)
    if len(key.encode()) < MIN_SECRET_BYTES:
        raise RuntimeError(f"{SECRET_ENV} must be at least {MIN_SECRET_BYTES} bytes for HS256")
    return key


def encode(claims: dict[str, Any], key: str) -> str:
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode(token: str, key: str, expected: TokenType) -> dict[str, Any]:
    """Verify a token and that it is of the expected type, or raise ``InvalidTokenError``."""
    claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS})
    if claims["type"] != expected:
        raise WrongTokenType(f"not an {expected} token")
    return claims


def issue_tokens(state: State, username: str, family: str | None = None) -> TokenPair:
    """A new access token and a new refresh token; ``family`` is kept across rotations."""
    now = datetime.now(UTC)
    family = family or uuid.uuid4().hex
    refresh_jti = uuid.uuid4().hex
    refresh_expires = now + REFRESH_TOKEN_LIFETIME
    access_claims = {
        "sub": username,
        "type": "access",
        "iat": now,
        "exp": now + ACCESS_TOKEN_LIFETIME,
        "jti": uuid.uuid4().hex,
    }
    refresh_claims = {
        "sub": username,
        "type": "refresh",
        "iat": now,
        "exp": refresh_expires,
        "jti": refresh_jti,
        "fam": family,
    }
    state.refresh_store.add(refresh_jti, username, family, refresh_expires)
    return TokenPair(
        access_token=encode(access_claims, state.jwt_key),
        refresh_token=encode(refresh_claims, state.jwt_key),
        expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
    )


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def get_current_user(request: Request, token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    try:
        claims = decode(token, request.app.state.jwt_key, expected="access")
    except jwt.ExpiredSignatureError:
        raise unauthorized("token expired") from None
    except WrongTokenType as exc:
        raise unauthorized(str(exc)) from None
    except jwt.InvalidTokenError:
        raise unauthorized("invalid token") from None
    user = request.app.state.users.get(claims["sub"])
    if user is None:
        raise unauthorized("unknown user")
    return User(username=user.username, full_name=user.full_name)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    hasher = PasswordHash.recommended()
    app.state.password_hash = hasher
    app.state.dummy_hash = hasher.hash("a password nobody has")
    app.state.users = {
        name: StoredUser(username=name, full_name=full_name, password_hash=hasher.hash(password))
        for name, password, full_name in DEMO_USERS
    }
    app.state.refresh_store = RefreshStore()
    app.state.jwt_key = signing_key()
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Refresh tokens", lifespan=lifespan)

    @app.post("/token")
    def login(
        form: Annotated[OAuth2PasswordRequestForm, Depends()],
        request: Request,
        response: Response,
    ) -> TokenPair:
        state = request.app.state
        user = state.users.get(form.username)
        # Unknown users are checked against a dummy hash: same work, same timing.
        hashed = user.password_hash if user else state.dummy_hash
        if not state.password_hash.verify(form.password, hashed) or user is None:
            raise unauthorized("Incorrect username or password")
        response.headers["Cache-Control"] = "no-store"
        return issue_tokens(state, user.username)  # a new family: one per login

    @app.post("/token/refresh")
    async def refresh(body: RefreshRequest, request: Request, response: Response) -> TokenPair:
        state = request.app.state
        try:
            claims = decode(body.refresh_token, state.jwt_key, expected="refresh")
            record = state.refresh_store.rotate(claims["jti"])
        except jwt.ExpiredSignatureError:
            raise unauthorized("refresh token expired; log in again") from None
        except jwt.InvalidTokenError:
            raise unauthorized("invalid refresh token") from None
        except RefreshError as exc:
            raise unauthorized(str(exc)) from None
        if record.username not in state.users:
            state.refresh_store.revoke_family(record.family)
            raise unauthorized("unknown user")
        response.headers["Cache-Control"] = "no-store"
        return issue_tokens(state, record.username, family=record.family)

    @app.get("/users/me")
    async def read_me(user: Annotated[User, Depends(get_current_user)]) -> User:
        return user

    return app

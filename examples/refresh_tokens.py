"""Short-lived access tokens, rotating refresh tokens, and reuse detection."""

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
from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.datastructures import State

ALGORITHM = "HS256"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
REFRESH_TOKEN_LIFETIME = timedelta(days=14)
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "iss", "aud"]
ISSUER = "https://auth.fastapi-patterns.example/refresh-tokens"
# Each kind of token has its own audience and its own typ header: access tokens are for the
# API, refresh tokens for the issuer's own refresh endpoint, and neither passes for the other.
AUDIENCES = {
    "access": "https://api.fastapi-patterns.example/refresh-tokens",
    "refresh": f"{ISSUER}/token/refresh",
}
TYPES = {"access": "at+jwt", "refresh": "refresh+jwt"}  # at+jwt: RFC 9068 §2.1
SECRET_ENV = "JWT_SECRET"
MIN_SECRET_BYTES = 32

# (id, username, password, full name): demo data only.
DEMO_USERS = (
    ("usr_9d4a2b61", "alice", "wonderland", "Alice Liddell"),
    ("usr_e07c5f38", "bob", "builder", "Bob Builder"),
)

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", refreshUrl="token/refresh")

TokenType = Literal["access", "refresh"]


class User(BaseModel):
    id: str
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
    """A token of the other kind: a refresh token sent as an access token, or vice versa."""


class RefreshError(Exception):
    """A refresh token that must not be honoured; the message is safe to show."""


@dataclass
class RefreshRecord:
    user_id: str
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

    def add(self, jti: str, user_id: str, family: str, expires_at: datetime) -> None:
        now = datetime.now(UTC)
        with self._lock:
            for expired in [k for k, r in self._tokens.items() if r.expires_at <= now]:
                del self._tokens[expired]
            self._tokens[jti] = RefreshRecord(user_id, family, expires_at)

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


class Settings(BaseSettings):
    """What this example reads from the environment: typed, checked, never printed."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    # Unset: a random key for this process only, so that a restart logs everyone out.
    jwt_secret: SecretStr | None = Field(default=None, validation_alias=SECRET_ENV)

    @field_validator("jwt_secret")
    @classmethod
    def long_enough_for_hs256(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None and len(key.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_SECRET_BYTES} bytes for HS256")
        return key


def signing_key() -> str:
    """The HMAC key: $JWT_SECRET if set, else a random key for this process only."""
    configured = Settings().jwt_secret
    return configured.get_secret_value() if configured else secrets.token_urlsafe(32)


def encode(claims: dict[str, Any], key: str, kind: TokenType) -> str:
    claims = {"iss": ISSUER, "aud": AUDIENCES[kind], **claims}
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": TYPES[kind]})


def decode(token: str, key: str, expected: TokenType) -> dict[str, Any]:
    """Verify a token and that it is of the expected kind, or raise ``InvalidTokenError``."""
    # typ is read before the signature is checked: it can make us refuse a token, never
    # accept one. The audience check refuses the other kind too, even under a forged typ.
    typ = str(jwt.get_unverified_header(token).get("typ", "")).lower()
    if typ.removeprefix("application/") != TYPES[expected]:
        raise WrongTokenType(
            "not an access token" if expected == "access" else "not a refresh token"
        )
    return jwt.decode(
        token,
        key,
        algorithms=[ALGORITHM],
        audience=AUDIENCES[expected],
        issuer=ISSUER,
        options={"require": REQUIRED_CLAIMS},
    )


def issue_tokens(state: State, user_id: str, family: str | None = None) -> TokenPair:
    """A new access token and a new refresh token; ``family`` is kept across rotations."""
    now = datetime.now(UTC)
    family = family or uuid.uuid4().hex
    refresh_jti = uuid.uuid4().hex
    refresh_expires = now + REFRESH_TOKEN_LIFETIME
    access_claims = {
        "sub": user_id,
        "iat": now,
        "exp": now + ACCESS_TOKEN_LIFETIME,
        "jti": uuid.uuid4().hex,
    }
    refresh_claims = {
        "sub": user_id,
        "iat": now,
        "exp": refresh_expires,
        "jti": refresh_jti,
        "fam": family,
    }
    state.refresh_store.add(refresh_jti, user_id, family, refresh_expires)
    return TokenPair(
        access_token=encode(access_claims, state.jwt_key, "access"),
        refresh_token=encode(refresh_claims, state.jwt_key, "refresh"),
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
    user = request.app.state.users_by_id.get(claims["sub"])
    if user is None:
        raise unauthorized("unknown user")
    return User(id=user.id, username=user.username, full_name=user.full_name)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    hasher = PasswordHash.recommended()
    app.state.password_hash = hasher
    app.state.dummy_hash = hasher.hash("a password nobody has")
    app.state.users = {
        name: StoredUser(
            id=user_id, username=name, full_name=full_name, password_hash=hasher.hash(password)
        )
        for user_id, name, password, full_name in DEMO_USERS
    }
    app.state.users_by_id = {user.id: user for user in app.state.users.values()}
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
        return issue_tokens(state, user.id)  # a new family: one per login

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
        if record.user_id not in state.users_by_id:
            state.refresh_store.revoke_family(record.family)
            raise unauthorized("unknown user")
        response.headers["Cache-Control"] = "no-store"
        return issue_tokens(state, record.user_id, family=record.family)

    @app.get("/users/me")
    async def read_me(user: Annotated[User, Depends(get_current_user)]) -> User:
        return user

    return app

"""Issuing signed JWT access tokens from an OAuth2 password login."""

import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.datastructures import State

ALGORITHM = "HS256"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
# Names of this issuer and of the one API its tokens are for; no other example uses them.
ISSUER = "https://auth.fastapi-patterns.example/jwt-token-generation"
AUDIENCE = "https://api.fastapi-patterns.example/jwt-token-generation"
ACCESS_TOKEN_TYPE = "at+jwt"  # the header's typ for JWT access tokens (RFC 9068 §2.1)
SECRET_ENV = "JWT_SECRET"
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key is at least as long as the hash

# (id, username, password, full name, scopes the user may be granted): demo data only.
# The id never changes; a username or an email may, so tokens name the id.
DEMO_USERS = (
    ("usr_5f0c7e2a", "alice", "wonderland", "Alice Liddell", ("profile", "orders:read")),
    ("usr_a81b9c3d", "bob", "builder", "Bob Builder", ("profile",)),
)

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="token",
    scopes={"profile": "Read your profile.", "orders:read": "Read your orders."},
)


class User(BaseModel):
    id: str
    username: str
    full_name: str
    scopes: list[str]


class StoredUser(User):
    password_hash: str


class Token(BaseModel):
    """The OAuth2 token response (RFC 6749 §5.1)."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str


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


def create_access_token(
    user_id: str, scopes: list[str], key: str, now: datetime | None = None
) -> str:
    """Sign a short-lived access token for ``user_id`` carrying the granted scopes."""
    issued_at = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,  # who issued it
        "aud": AUDIENCE,  # which API it is for
        "sub": user_id,  # whom it is about: an id that never changes, never a secret
        "iat": issued_at,  # PyJWT turns datetimes into NumericDate seconds
        "exp": issued_at + ACCESS_TOKEN_LIFETIME,
        "jti": uuid.uuid4().hex,  # unique id, for logs and revocation
        "scope": " ".join(scopes),  # OAuth2 scopes: one space-separated string
    }
    # typ says what kind of token this is, so it cannot pass for another kind (RFC 8725 §3.11).
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": ACCESS_TOKEN_TYPE})


def authenticate(state: State, username: str, password: str) -> StoredUser | None:
    """The user if the password matches, else None; as slow for unknown users as known ones."""
    user = state.users.get(username)
    if user is None:
        state.password_hash.verify(password, state.dummy_hash)  # same work, same timing
        return None
    if not state.password_hash.verify(password, user.password_hash):
        return None
    return user


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def read_claims(request: Request, token: Annotated[str, Depends(oauth2_scheme)]) -> dict[str, Any]:
    """Verify the bearer token; the Token Validation entry covers this step in depth."""
    try:
        claims = jwt.decode(
            token,
            request.app.state.jwt_key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        # The header is signed too: after decode() it is as trustworthy as the claims.
        typ = jwt.get_unverified_header(token).get("typ", "")
    except jwt.InvalidTokenError:
        raise unauthorized("Could not validate credentials") from None
    if str(typ).lower().removeprefix("application/") != ACCESS_TOKEN_TYPE:
        raise unauthorized("Could not validate credentials")
    return claims


def get_current_user(
    request: Request, claims: Annotated[dict[str, Any], Depends(read_claims)]
) -> User:
    user = request.app.state.users_by_id.get(claims["sub"])
    if user is None:
        raise unauthorized("Could not validate credentials")
    return User.model_validate(user, from_attributes=True)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    hasher = PasswordHash.recommended()  # argon2id
    app.state.password_hash = hasher
    app.state.dummy_hash = hasher.hash("a password nobody has")
    app.state.users = {
        name: StoredUser(
            id=user_id,
            username=name,
            full_name=full_name,
            scopes=list(scopes),
            password_hash=hasher.hash(password),
        )
        for user_id, name, password, full_name, scopes in DEMO_USERS
    }
    # Login looks users up by name, tokens by id.
    app.state.users_by_id = {user.id: user for user in app.state.users.values()}
    app.state.jwt_key = signing_key()
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="JWT token generation", lifespan=lifespan)

    @app.post("/token")
    def login(
        form: Annotated[OAuth2PasswordRequestForm, Depends()],
        request: Request,
        response: Response,
    ) -> Token:
        user = authenticate(request.app.state, form.username, form.password)
        if user is None:
            raise unauthorized("Incorrect username or password")
        # Grant what was asked for and allowed; nothing asked for means everything allowed.
        granted = [s for s in form.scopes if s in user.scopes] if form.scopes else user.scopes
        token = create_access_token(user.id, granted, request.app.state.jwt_key)
        response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1: never cache tokens
        return Token(
            access_token=token,
            expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
            scope=" ".join(granted),
        )

    @app.get("/users/me")
    def read_me(user: Annotated[User, Depends(get_current_user)]) -> User:
        return user

    @app.get("/token/claims")
    def read_token_claims(claims: Annotated[dict[str, Any], Depends(read_claims)]) -> dict:
        """The verified claims of the caller's token, to see what login put in it."""
        return claims

    return app

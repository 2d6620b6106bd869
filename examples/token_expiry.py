"""Access-token expiry: short lifetimes, clock-skew leeway, nbf, and revocation on logout."""

import secrets
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ALGORITHM = "HS256"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
LEEWAY = timedelta(seconds=30)  # clocks of issuer and API may disagree by this much
MAX_BACKDATE_SECONDS = 3600  # bound of the demo-only ``issued_seconds_ago``
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "sub", "jti", "iss", "aud"]
ISSUER = "https://auth.fastapi-patterns.example/token-expiry"
AUDIENCE = "https://api.fastapi-patterns.example/token-expiry"
ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 §2.1
SECRET_ENV = "JWT_SECRET"
MIN_SECRET_BYTES = 32

# (id, username, password, full name): demo data only.
DEMO_USERS = (
    ("usr_61f3d0c9", "alice", "wonderland", "Alice Liddell"),
    ("usr_2a8e47b5", "bob", "builder", "Bob Builder"),
)

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


class User(BaseModel):
    id: str
    username: str
    full_name: str


class StoredUser(User):
    password_hash: str


class AccessClaims(BaseModel):
    sub: str
    jti: str
    iat: int
    nbf: int
    exp: int


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Denylist:
    """``jti`` of tokens revoked before they expire.

    Each entry is kept only until its token would have expired anyway, so the list stays
    as small as the number of logouts in one token lifetime.
    """

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, jti: str, expires_at: float) -> None:
        cutoff = datetime.now(UTC).timestamp() - LEEWAY.total_seconds()
        with self._lock:
            for stale in [j for j, exp in self._expiry.items() if exp < cutoff]:
                del self._expiry[stale]
            self._expiry[jti] = expires_at

    def __contains__(self, jti: object) -> bool:
        return jti in self._expiry


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


def create_access_token(user_id: str, key: str, issued_at: datetime) -> str:
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "iat": issued_at,
        "nbf": issued_at,  # not valid before it was issued
        "exp": issued_at + ACCESS_TOKEN_LIFETIME,  # minutes, not days
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": ACCESS_TOKEN_TYPE})


def invalid_token(description: str) -> HTTPException:
    """RFC 6750: the error says why, so a client knows to refresh rather than give up."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail=description,
        headers={
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'
        },
    )


async def get_claims(
    request: Request, token: Annotated[str, Depends(oauth2_scheme)]
) -> AccessClaims:
    try:
        payload = jwt.decode(
            token,
            request.app.state.jwt_key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY,  # applies to exp, nbf and iat alike
            options={"require": REQUIRED_CLAIMS},
        )
        # The header is signed too: once decode() has passed, its typ can be trusted.
        typ = str(jwt.get_unverified_header(token).get("typ", "")).lower()
        if typ.removeprefix("application/") != ACCESS_TOKEN_TYPE:
            raise jwt.InvalidTokenError("not an access token")
        claims = AccessClaims.model_validate(payload)
    except jwt.ExpiredSignatureError:
        raise invalid_token("token expired") from None
    except jwt.ImmatureSignatureError:
        raise invalid_token("token not yet valid") from None
    except (jwt.InvalidTokenError, ValidationError):
        raise invalid_token("invalid token") from None
    if claims.jti in request.app.state.denylist:  # logged out before it expired
        raise invalid_token("token revoked")
    return claims


async def get_current_user(
    request: Request, claims: Annotated[AccessClaims, Depends(get_claims)]
) -> User:
    user = request.app.state.users_by_id.get(claims.sub)
    if user is None:
        raise invalid_token("unknown user")
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
    app.state.denylist = Denylist()
    app.state.jwt_key = signing_key()
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Token expiry", lifespan=lifespan)

    @app.post("/token")
    def login(
        form: Annotated[OAuth2PasswordRequestForm, Depends()],
        request: Request,
        response: Response,
        issued_seconds_ago: Annotated[
            int,
            Query(
                ge=0,
                le=MAX_BACKDATE_SECONDS,
                description="Demo only: back-date the token to see it expire. Never ship this.",
            ),
        ] = 0,
    ) -> Token:
        state = request.app.state
        user = state.users.get(form.username)
        hashed = user.password_hash if user else state.dummy_hash
        if not state.password_hash.verify(form.password, hashed) or user is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Incorrect username or password",
                headers={"WWW-Authenticate": "Bearer"},
            )
        issued_at = datetime.now(UTC) - timedelta(seconds=issued_seconds_ago)
        lifetime = int(ACCESS_TOKEN_LIFETIME.total_seconds())
        response.headers["Cache-Control"] = "no-store"
        return Token(
            access_token=create_access_token(user.id, state.jwt_key, issued_at),
            expires_in=max(0, lifetime - issued_seconds_ago),
        )

    @app.get("/users/me")
    async def read_me(user: Annotated[User, Depends(get_current_user)]) -> User:
        return user

    @app.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
    async def logout(
        claims: Annotated[AccessClaims, Depends(get_claims)], request: Request
    ) -> None:
        """Revoke the caller's token now instead of when it expires."""
        request.app.state.denylist.add(claims.jti, claims.exp)

    return app

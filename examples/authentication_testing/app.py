"""A small JWT-protected API: the app under test in test_app.py."""

import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, Security, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm, SecurityScopes
from pwdlib import PasswordHash
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ALGORITHM = "HS256"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
LEEWAY = timedelta(seconds=30)
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]
ISSUER = "https://auth.fastapi-patterns.example/authentication-testing"
AUDIENCE = "https://api.fastapi-patterns.example/authentication-testing"
ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 §2.1
SECRET_ENV = "JWT_SECRET"
MIN_SECRET_BYTES = 32

# (id, username, password, full name, scopes): demo data only.
DEMO_USERS = (
    ("usr_7b2e9d04", "alice", "wonderland", "Alice Liddell", ("profile",)),
    ("usr_c5a1f83e", "grace", "hopper", "Grace Hopper", ("profile", "admin")),
)

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="token",
    scopes={"profile": "Read your profile.", "admin": "Manage every account."},
)


class User(BaseModel):
    username: str
    full_name: str


class StoredUser(User):
    id: str
    scopes: list[str]
    password_hash: str


class TokenClaims(BaseModel):
    sub: str
    scope: str = ""

    @property
    def scopes(self) -> set[str]:
        return set(self.scope.split())


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


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


def create_access_token(user_id: str, scopes: list[str], key: str) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "iat": now,
        "exp": now + ACCESS_TOKEN_LIFETIME,
        "jti": uuid.uuid4().hex,
        "scope": " ".join(scopes),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": ACCESS_TOKEN_TYPE})


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def get_token_claims(
    request: Request, token: Annotated[str, Depends(oauth2_scheme)]
) -> TokenClaims:
    """Authentication: a verified token, or 401."""
    try:
        payload = jwt.decode(
            token,
            request.app.state.jwt_key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY,
            options={"require": REQUIRED_CLAIMS},
        )
        # The header is signed too: once decode() has passed, its typ can be trusted.
        typ = str(jwt.get_unverified_header(token).get("typ", "")).lower()
        if typ.removeprefix("application/") != ACCESS_TOKEN_TYPE:
            raise jwt.InvalidTokenError("not an access token")
        return TokenClaims.model_validate(payload)
    except jwt.ExpiredSignatureError:
        raise unauthorized("token expired") from None
    except (jwt.InvalidTokenError, ValidationError):
        raise unauthorized("invalid token") from None


async def get_current_user(
    security_scopes: SecurityScopes,
    claims: Annotated[TokenClaims, Depends(get_token_claims)],
    request: Request,
) -> User:
    """Authorization: a known user whose token grants every scope the endpoint needs."""
    user = request.app.state.users_by_id.get(claims.sub)
    if user is None:
        raise unauthorized("unknown user")
    missing = [scope for scope in security_scopes.scopes if scope not in claims.scopes]
    if missing:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing scope: {' '.join(missing)}")
    return User(username=user.username, full_name=user.full_name)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    hasher = app.state.password_hash
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
    app.state.users_by_id = {user.id: user for user in app.state.users.values()}
    app.state.jwt_key = signing_key()
    yield


def create_app(password_hash: PasswordHash | None = None) -> FastAPI:
    """``password_hash`` lets tests trade argon2's deliberate slowness for speed."""
    app = FastAPI(title="Authentication testing", lifespan=lifespan)
    app.state.password_hash = password_hash or PasswordHash.recommended()

    @app.post("/token")
    def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request) -> Token:
        state = request.app.state
        user = state.users.get(form.username)
        hashed = user.password_hash if user else state.dummy_hash
        if not state.password_hash.verify(form.password, hashed) or user is None:
            raise unauthorized("Incorrect username or password")
        return Token(
            access_token=create_access_token(user.id, user.scopes, state.jwt_key),
            expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        )

    @app.get("/users/me")
    async def read_me(user: Annotated[User, Security(get_current_user)]) -> User:
        return user

    @app.get("/admin/users")
    async def list_users(
        _: Annotated[User, Security(get_current_user, scopes=["admin"])], request: Request
    ) -> list[User]:
        return [
            User(username=u.username, full_name=u.full_name)
            for u in request.app.state.users.values()
        ]

    return app

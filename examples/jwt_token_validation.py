"""Validating JWT bearer tokens in a dependency: signature, algorithm, claims and scopes."""

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
from starlette.datastructures import State

ALGORITHM = "HS256"
# This API accepts tokens from this issuer, made out to this audience, and no others.
ISSUER = "https://auth.fastapi-patterns.example/jwt-token-validation"
AUDIENCE = "https://api.fastapi-patterns.example/jwt-token-validation"
ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 §2.1
ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
LEEWAY = timedelta(seconds=30)  # tolerated clock skew between issuer and API
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud", "jti"]
SECRET_ENV = "JWT_SECRET"
MIN_SECRET_BYTES = 32

# (id, username, password, full name, scopes): demo data only.
DEMO_USERS = (
    ("usr_3c9e1f70", "alice", "wonderland", "Alice Liddell", ("orders:read",)),
    ("usr_b24d8a16", "bob", "builder", "Bob Builder", ("orders:read", "orders:write")),
)
DEMO_ORDERS = (  # owned by user id: a renamed user keeps their orders
    {"id": 1, "owner_id": "usr_3c9e1f70", "item": "Pocket watch", "quantity": 1},
    {"id": 2, "owner_id": "usr_3c9e1f70", "item": "Jam tarts", "quantity": 12},
    {"id": 3, "owner_id": "usr_b24d8a16", "item": "Spirit level", "quantity": 2},
)

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="token",
    scopes={"orders:read": "Read your orders.", "orders:write": "Place orders."},
)


class User(BaseModel):
    id: str
    username: str
    full_name: str
    scopes: list[str]


class StoredUser(User):
    password_hash: str


class AccessClaims(BaseModel):
    """The claims this API relies on, type-checked after the signature is."""

    sub: str
    jti: str
    scope: str = ""

    @property
    def scopes(self) -> set[str]:
        return set(self.scope.split())


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str


class Order(BaseModel):
    id: int
    owner_id: str
    item: str
    quantity: int


class NewOrder(BaseModel):
    item: str
    quantity: int = 1


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


def authenticate(state: State, username: str, password: str) -> StoredUser | None:
    user = state.users.get(username)
    if user is None:
        state.password_hash.verify(password, state.dummy_hash)
        return None
    return user if state.password_hash.verify(password, user.password_hash) else None


def invalid_token(description: str) -> HTTPException:
    """401 with an RFC 6750 challenge: the client should get a new token."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail=description,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def token_type(token: str) -> str:
    """The header's ``typ``, compared as RFC 7515 §4.1.9 says: any case, "application/" optional."""
    return str(jwt.get_unverified_header(token).get("typ", "")).lower().removeprefix("application/")


def decode_access_token(token: str, key: str) -> AccessClaims:
    """Verify everything about the token, or raise a 401; never a 500."""
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],  # pinned: never taken from the token's own header
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY,
            options={"require": REQUIRED_CLAIMS},
        )
        # The header is covered by the signature just verified, so its typ can be trusted.
        typ = token_type(token)
    except jwt.ExpiredSignatureError:
        raise invalid_token("token expired") from None
    except jwt.MissingRequiredClaimError as exc:
        raise invalid_token(f"token lacks the {exc.claim!r} claim") from None
    except jwt.InvalidTokenError:  # bad signature, algorithm, audience, issuer, format...
        raise invalid_token("invalid token") from None
    if typ != ACCESS_TOKEN_TYPE:  # a validly signed token of another kind (ID, refresh...)
        raise invalid_token("not an access token")
    try:
        return AccessClaims.model_validate(payload)
    except ValidationError:
        raise invalid_token("invalid token claims") from None


async def get_current_user(
    security_scopes: SecurityScopes,
    token: Annotated[str, Depends(oauth2_scheme)],
    request: Request,
) -> User:
    claims = decode_access_token(token, request.app.state.jwt_key)
    user = request.app.state.users_by_id.get(claims.sub)
    if user is None:  # deleted since the token was issued
        raise invalid_token("unknown user")
    missing = [scope for scope in security_scopes.scopes if scope not in claims.scopes]
    if missing:  # authenticated, but not allowed: 403, not 401
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"missing scope: {' '.join(missing)}",
            headers={
                "WWW-Authenticate": (
                    f'Bearer error="insufficient_scope", scope="{security_scopes.scope_str}"'
                )
            },
        )
    return User(
        id=user.id, username=user.username, full_name=user.full_name, scopes=sorted(claims.scopes)
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    hasher = PasswordHash.recommended()
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
    app.state.users_by_id = {user.id: user for user in app.state.users.values()}
    app.state.orders = [Order(**order) for order in DEMO_ORDERS]
    app.state.jwt_key = signing_key()
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="JWT token validation", lifespan=lifespan)

    @app.post("/token")
    def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request) -> Token:
        user = authenticate(request.app.state, form.username, form.password)
        if user is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Incorrect username or password",
                headers={"WWW-Authenticate": "Bearer"},
            )
        granted = [s for s in form.scopes if s in user.scopes] if form.scopes else user.scopes
        return Token(
            access_token=create_access_token(user.id, granted, request.app.state.jwt_key),
            expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
            scope=" ".join(granted),
        )

    @app.get("/users/me")
    async def read_me(user: Annotated[User, Security(get_current_user)]) -> User:
        return user

    @app.get("/orders")
    async def list_orders(
        user: Annotated[User, Security(get_current_user, scopes=["orders:read"])],
        request: Request,
    ) -> list[Order]:
        return [o for o in request.app.state.orders if o.owner_id == user.id]

    @app.post("/orders", status_code=status.HTTP_201_CREATED)
    async def place_order(
        order: NewOrder,
        user: Annotated[User, Security(get_current_user, scopes=["orders:write"])],
        request: Request,
    ) -> Order:
        orders = request.app.state.orders
        created = Order(id=len(orders) + 1, owner_id=user.id, **order.model_dump())
        orders.append(created)
        return created

    return app

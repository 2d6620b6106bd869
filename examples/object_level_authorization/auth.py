"""Authentication: who is calling. Tokens are issued and checked here, for this API only."""

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ALGORITHM = "HS256"
ISSUER = "https://auth.fastapi-patterns.example/object-level-authorization"
AUDIENCE = "https://api.fastapi-patterns.example/object-level-authorization"
ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 §2.1
ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
LEEWAY = timedelta(seconds=30)
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud", "jti"]
SECRET_ENV = "JWT_SECRET"


class SecretSettings(BaseSettings):
    """The signing key, from JWT_SECRET: typed, checked, never printed."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    jwt_secret: SecretStr | None = Field(default=None, validation_alias=SECRET_ENV)


MIN_SECRET_BYTES = 32

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


class Role(StrEnum):
    customer = "customer"
    auditor = "auditor"
    admin = "admin"


class User(BaseModel):
    id: str  # immutable: what tokens name in `sub` and invoices name as their owner
    username: str
    role: Role


class StoredUser(User):
    password_hash: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


def signing_key() -> str:
    secret = SecretSettings().jwt_secret
    key = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
    if len(key.encode()) < MIN_SECRET_BYTES:
        raise RuntimeError(f"{SECRET_ENV} must be at least {MIN_SECRET_BYTES} bytes for HS256")
    return key


def create_access_token(user_id: str, key: str) -> str:
    """The token says who the caller is; what they may do is looked up on every request."""
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "iat": now,
        "exp": now + ACCESS_TOKEN_LIFETIME,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": ACCESS_TOKEN_TYPE})


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


class Claims(BaseModel):
    sub: str


async def get_current_user(request: Request, token: Annotated[str, Depends(oauth2_scheme)]) -> User:
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
        # The header is covered by the signature just verified, so its typ can be trusted.
        typ = str(jwt.get_unverified_header(token).get("typ", "")).lower()
        if typ.removeprefix("application/") != ACCESS_TOKEN_TYPE:
            raise jwt.InvalidTokenError("not an access token")
        claims = Claims.model_validate(payload)
    except jwt.ExpiredSignatureError:
        raise unauthorized("token expired") from None
    except (jwt.InvalidTokenError, ValidationError):
        raise unauthorized("invalid token") from None
    user = request.app.state.users_by_id.get(claims.sub)
    if user is None:  # deleted since the token was issued
        raise unauthorized("unknown user")
    # The role comes from the store, not the token: a demotion takes effect at once.
    return User(id=user.id, username=user.username, role=user.role)


CurrentUser = Annotated[User, Depends(get_current_user)]

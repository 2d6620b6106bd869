"""Who is calling, and for which tenant: both come from the verified token."""

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ALGORITHM = "HS256"
ISSUER = "https://auth.fastapi-patterns.example/multi-tenancy"
AUDIENCE = "https://api.fastapi-patterns.example/multi-tenancy"
ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 §2.1
ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
LEEWAY = timedelta(seconds=30)
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud", "jti", "tid"]
SECRET_ENV = "JWT_SECRET"


class SecretSettings(BaseSettings):
    """The signing key, from JWT_SECRET: typed, checked, never printed."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    jwt_secret: SecretStr | None = Field(default=None, validation_alias=SECRET_ENV)


MIN_SECRET_BYTES = 32
# Tenants are also reachable at <slug>.notes.example; a request there must carry a token
# of that tenant.
BASE_DOMAIN = "notes.example"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Claims(BaseModel):
    sub: str  # the user's immutable id
    tid: str  # the tenant's immutable id: never its name or subdomain, which may change


def signing_key() -> str:
    secret = SecretSettings().jwt_secret
    key = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
    if len(key.encode()) < MIN_SECRET_BYTES:
        raise RuntimeError(f"{SECRET_ENV} must be at least {MIN_SECRET_BYTES} bytes for HS256")
    return key


def create_access_token(user_id: str, tenant_id: str, key: str) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "tid": tenant_id,
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


async def get_claims(request: Request, token: Annotated[str, Depends(oauth2_scheme)]) -> Claims:
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
        return Claims.model_validate(payload)
    except jwt.ExpiredSignatureError:
        raise unauthorized("token expired") from None
    except (jwt.InvalidTokenError, ValidationError):
        raise unauthorized("invalid token") from None


def tenant_slug_from_host(host: str | None) -> str | None:
    """``acme.notes.example`` → ``acme``; any other host (the KB's, localhost) → None."""
    hostname = (host or "").rsplit(":", 1)[0].lower()
    slug, dot, domain = hostname.partition(".")
    return slug if dot and domain == BASE_DOMAIN else None


CurrentClaims = Annotated[Claims, Depends(get_claims)]

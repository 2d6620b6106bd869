"""Checking access tokens that someone else issued: the keys are theirs, the rules ours."""

from datetime import timedelta
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from pydantic import BaseModel, ValidationError

from .jwks import JWKSCache, KeysUnavailable

ISSUER = "https://idp.fastapi-patterns.example"  # exactly as the provider writes `iss`
AUDIENCE = "https://api.fastapi-patterns.example/reports"  # this API, and no other
# The algorithms this API accepts, fixed in code. Asymmetric only: with HS256 in the list,
# a token "signed" with the provider's *public* key would verify.
ALLOWED_ALGORITHMS = frozenset({"RS256", "ES256"})
ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 §2.1
LEEWAY = timedelta(seconds=30)  # the provider's clock and ours may disagree a little
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud", "jti"]

bearer = HTTPBearer(auto_error=False)


class Caller(BaseModel):
    sub: str  # the provider's immutable id for the client or user
    scopes: list[str]


class AccessClaims(BaseModel):
    sub: str
    jti: str
    scope: str = ""


def invalid_token(detail: str = "invalid token") -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


async def verify_access_token(token: str, keys: JWKSCache) -> AccessClaims:
    """Every check, in order; any failure is a 401, never a 500."""
    try:
        header = jwt.get_unverified_header(token)  # only to choose the key; trusted later
    except jwt.InvalidTokenError:
        raise invalid_token() from None
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALLOWED_ALGORITHMS or not isinstance(kid, str):
        raise invalid_token()
    try:
        key = await keys.key_for(kid)
    except KeysUnavailable:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "cannot reach the identity provider"
        ) from None
    if key is None or key.algorithm_name != alg:  # an RSA key verifies RS256 and nothing else
        raise invalid_token()
    try:
        payload = jwt.decode(
            token,
            key.key,
            algorithms=[key.algorithm_name],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise invalid_token("token expired") from None
    except jwt.InvalidTokenError:  # signature, audience, issuer, nbf, missing claims...
        raise invalid_token() from None
    # The header is covered by the signature just verified, so its typ can be trusted now:
    # an ID token from the same provider, signed by the same key, is not an access token.
    typ = str(header.get("typ", "")).lower().removeprefix("application/")
    if typ != ACCESS_TOKEN_TYPE:
        raise invalid_token("not an access token")
    try:
        return AccessClaims.model_validate(payload)
    except ValidationError:
        raise invalid_token("invalid token claims") from None


async def get_caller(
    security_scopes: SecurityScopes,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "bearer token required", {"WWW-Authenticate": "Bearer"}
        )
    claims = await verify_access_token(credentials.credentials, request.state.keys)
    granted = claims.scope.split()
    missing = [scope for scope in security_scopes.scopes if scope not in granted]
    if missing:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"missing scope: {' '.join(missing)}",
            {
                "WWW-Authenticate": (
                    f'Bearer error="insufficient_scope", scope="{security_scopes.scope_str}"'
                )
            },
        )
    return Caller(sub=claims.sub, scopes=granted)


ReportReader = Annotated[Caller, Security(get_caller, scopes=["reports:read"])]

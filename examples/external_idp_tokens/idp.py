"""A fake identity provider: what Auth0, Entra ID, Keycloak or Cognito do, in miniature.

It issues RS256 and ES256 access tokens for registered clients (the OAuth 2.0 client
credentials grant), publishes its public keys as a JWKS and its metadata as an OpenID
Connect discovery document, and rotates its signing key on demand. The API never sees
its private keys: only what it publishes.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI, Form, HTTPException, Response, status
from pydantic import BaseModel

ISSUER = "https://idp.fastapi-patterns.example"
DEFAULT_AUDIENCE = "https://api.fastapi-patterns.example/reports"
TOKEN_LIFETIME = timedelta(minutes=10)
JWKS_MAX_AGE = 300  # seconds a relying party may cache the key set (Cache-Control)


@dataclass(frozen=True)
class RegisteredClient:
    id: str  # immutable: the tokens' `sub`
    secret: str
    scopes: tuple[str, ...]


# client_id → client. Demo data only: a real provider keeps hashed secrets.
CLIENTS = {
    "reports-dashboard": RegisteredClient("cli_4b1d7e20", "dashboard-secret", ("reports:read",)),
    "audit-exporter": RegisteredClient("cli_9a62c5f3", "exporter-secret", ()),
}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        jwk: dict[str, Any] = algorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}


def new_key(number: int) -> SigningKey:
    """Keys alternate between RSA (RS256) and EC P-256 (ES256), to show both."""
    if number % 2:
        private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return SigningKey(f"key-{number}", "RS256", private)
    return SigningKey(f"key-{number}", "ES256", ec.generate_private_key(ec.SECP256R1()))


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str


class Rotation(BaseModel):
    signing_kid: str
    published_kids: list[str]


class FakeIdentityProvider:
    def __init__(self) -> None:
        self.keys = [new_key(1)]  # newest last: it signs; the previous one is still published
        self.app = self._build()

    @property
    def signing_key(self) -> SigningKey:
        return self.keys[-1]

    def rotate(self) -> Rotation:
        # The old key stays in the JWKS until the tokens it signed have expired; then it goes.
        self.keys = [*self.keys[-1:], new_key(int(self.signing_key.kid.split("-")[1]) + 1)]
        return Rotation(signing_kid=self.signing_key.kid, published_kids=[k.kid for k in self.keys])

    def issue(self, client: RegisteredClient, audience: str) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "sub": client.id,
            "client_id": client.id,
            "iat": now,
            "exp": now + TOKEN_LIFETIME,
            "jti": uuid.uuid4().hex,
            "scope": " ".join(client.scopes),
        }
        key = self.signing_key
        headers = {"kid": key.kid, "typ": "at+jwt"}  # RFC 9068 access token
        return jwt.encode(claims, key.private_key, algorithm=key.alg, headers=headers)

    def _build(self) -> FastAPI:
        idp = FastAPI(title="Fake identity provider")

        @idp.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": ISSUER,
                "jwks_uri": f"{ISSUER}/.well-known/jwks.json",
                "token_endpoint": f"{ISSUER}/token",
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            }

        @idp.get("/.well-known/jwks.json")
        async def jwks(response: Response) -> dict[str, list[dict[str, Any]]]:
            response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
            return {"keys": [key.public_jwk() for key in self.keys]}

        @idp.post("/token")
        async def token(
            client_id: Annotated[str, Form()],
            client_secret: Annotated[str, Form()],
            grant_type: Annotated[str, Form()] = "client_credentials",
            resource: Annotated[str, Form()] = DEFAULT_AUDIENCE,  # RFC 8707: the audience
        ) -> TokenResponse:
            client = CLIENTS.get(client_id)
            if grant_type != "client_credentials":
                raise HTTPException(status.HTTP_400_BAD_REQUEST, "unsupported_grant_type")
            if client is None or not secrets.compare_digest(client.secret, client_secret):
                raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid_client")
            return TokenResponse(
                access_token=self.issue(client, resource),
                expires_in=int(TOKEN_LIFETIME.total_seconds()),
                scope=" ".join(client.scopes),
            )

        @idp.post("/rotate")
        async def rotate() -> Rotation:
            """Demo only: a provider rotates on its own schedule, without telling you."""
            return self.rotate()

        return idp

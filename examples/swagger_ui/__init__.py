"""A configured, self-hosted Swagger UI with the OAuth2 password flow in its Authorize dialog."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from fastapi.staticfiles import StaticFiles
from pwdlib import PasswordHash
from pydantic import BaseModel

STATIC_DIR = Path(__file__).parent / "static"
SWAGGER_UI_PARAMETERS = {
    "deepLinking": True,  # the URL follows the open operation: shareable links
    "persistAuthorization": True,  # the token survives a page reload
    "syntaxHighlight": {"theme": "obsidian"},
    "defaultModelsExpandDepth": -1,  # hide the Schemas section at the bottom
    "displayRequestDuration": True,
}
DEMO_USERS = {"alice": "wonderland"}  # demo only: never ship passwords in code

# tokenUrl is relative, so the Authorize dialog posts to the right URL behind any prefix.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class User(BaseModel):
    username: str


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    hasher = PasswordHash.recommended()
    app.state.hasher = hasher
    app.state.password_hashes = {name: hasher.hash(pw) for name, pw in DEMO_USERS.items()}
    app.state.dummy_hash = hasher.hash(secrets.token_urlsafe(16))  # verified for unknown names
    app.state.tokens = {}  # opaque token -> username
    yield
    app.state.tokens.clear()


def current_user(request: Request, token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    username = request.app.state.tokens.get(token)
    if username is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Invalid or expired token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return User(username=username)


def add_docs_page(app: FastAPI, path: str = "/api-docs") -> None:
    """Serve Swagger UI from this app's own static files: no CDN, no third-party requests."""

    @app.get(path, include_in_schema=False, response_class=HTMLResponse)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root_path = request.scope.get("root_path", "").rstrip("/")

        def asset(name: str) -> str:
            return request.url_for("static", path=f"swagger-ui/{name}").path

        css, js = asset("swagger-ui.css"), asset("swagger-ui-bundle.js")
        page = get_swagger_ui_html(
            openapi_url=f"{root_path}{app.openapi_url}",
            title=f"{app.title} — API docs",
            swagger_css_url=css,
            swagger_js_url=js,
            swagger_favicon_url=asset("favicon-32x32.png"),
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        # Let the browser start fetching the large bundle while it parses the page.
        page.headers["Link"] = f"<{css}>; rel=preload; as=style, <{js}>; rel=preload; as=script"
        return page


def create_app(*, docs: bool = True) -> FastAPI:
    app = FastAPI(
        title="Swagger UI",
        lifespan=lifespan,
        docs_url=None,  # the default page loads its assets from a CDN: replaced below
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,  # docs=False: no schema, no page
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if docs:
        add_docs_page(app)

    @app.post("/token", tags=["auth"])
    def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
        """The endpoint the Authorize dialog posts the username and password to."""
        state = request.app.state
        stored = state.password_hashes.get(form.username)
        # An unknown name costs the same argon2 verification as a wrong password, so the
        # response time does not reveal which usernames exist.
        matches = state.hasher.verify(form.password, stored or state.dummy_hash)
        if stored is None or not matches:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Wrong username or password.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        token = secrets.token_urlsafe(32)
        request.app.state.tokens[token] = form.username
        return Token(access_token=token)

    @app.get("/users/me", tags=["users"])
    async def read_me(user: Annotated[User, Depends(current_user)]) -> User:
        """Try it in Swagger UI: click Authorize, log in as alice, then Execute."""
        return user

    return app

"""Cookie sessions: log in, get an HttpOnly session cookie and a CSRF token, use both.

Run alone: uvicorn --factory examples.cookies_and_sessions:create_app --reload
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import (
    Cookie,
    Depends,
    FastAPI,
    Form,
    Header,
    HTTPException,
    Request,
    Response,
    Security,
)
from fastapi.security import APIKeyCookie
from pwdlib import PasswordHash
from pydantic import BaseModel, Field

SESSION_COOKIE = "session"
CSRF_COOKIE = "csrf"
SESSION_SECONDS = 60 * 60
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEMO_USERS = {"alice": "wonderland", "bob": "builder"}

# Declared as a security scheme, so /docs shows that these endpoints need the cookie.
session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False)


@dataclass
class Session:
    user: str
    expires: float


class Note(BaseModel):
    text: str = Field(min_length=1, max_length=500)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    hasher = PasswordHash.recommended()
    app.state.hasher = hasher
    app.state.passwords = {name: hasher.hash(password) for name, password in DEMO_USERS.items()}
    app.state.secret = secrets.token_bytes(32)  # signs session ids and CSRF tokens
    app.state.sessions = {}  # session id -> Session, kept on the server
    app.state.notes = {name: [] for name in DEMO_USERS}
    yield


def sign(secret: bytes, value: str) -> str:
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def csrf_token(secret: bytes, session_id: str) -> str:
    """The session's CSRF token: derived from it, so a token from another session fails."""
    return sign(secret, f"csrf:{session_id}")


def set_session_cookies(response: Response, secret: bytes, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        f"{session_id}.{sign(secret, session_id)}",
        max_age=SESSION_SECONDS,
        httponly=True,  # no script can read it
        secure=True,  # sent over HTTPS only
        samesite="lax",  # not sent with another site's POST
    )
    # Readable by your own page's script, which echoes it in the X-CSRF-Token header.
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token(secret, session_id),
        max_age=SESSION_SECONDS,
        secure=True,
        samesite="strict",
    )


def current_session(
    request: Request, cookie: Annotated[str | None, Security(session_cookie)]
) -> tuple[str, Session]:
    """The session the cookie names: signed by us, known, and not expired; else 401."""
    session_id, _, signature = (cookie or "").partition(".")
    state = request.app.state
    if not hmac.compare_digest(signature, sign(state.secret, session_id)):
        raise HTTPException(401, "not logged in")
    session: Session | None = state.sessions.get(session_id)
    if session is None or session.expires < time.time():
        state.sessions.pop(session_id, None)
        raise HTTPException(401, "session expired")
    return session_id, session


def same_origin(request: Request, origin: str | None, sec_fetch_site: str | None) -> None:
    """Refuse a state-changing request that a browser says comes from another site."""
    if request.method in SAFE_METHODS:
        return
    if sec_fetch_site is not None and sec_fetch_site not in ("same-origin", "none"):
        raise HTTPException(403, "cross-site request refused")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin is not None and origin != own:
        raise HTTPException(403, "cross-site request refused")


def csrf_protected(
    request: Request,
    current: Annotated[tuple[str, Session], Depends(current_session)],
    csrf: Annotated[str | None, Cookie()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
    origin: Annotated[str | None, Header()] = None,
    sec_fetch_site: Annotated[str | None, Header()] = None,
) -> tuple[str, Session]:
    """The session, for a request that proves it comes from our own page (else 403)."""
    same_origin(request, origin, sec_fetch_site)
    session_id, _ = current
    expected = csrf_token(request.app.state.secret, session_id)
    # Double submit: the header must repeat the cookie, and both be this session's token.
    if not (
        x_csrf_token
        and csrf
        and hmac.compare_digest(x_csrf_token, csrf)
        and hmac.compare_digest(x_csrf_token, expected)
    ):
        raise HTTPException(403, "missing or wrong CSRF token")
    return current


def create_app() -> FastAPI:
    app = FastAPI(title="Cookies and sessions", lifespan=lifespan)

    # A plain def: an argon2 check takes tens of milliseconds, and argon2-cffi releases the
    # GIL while it runs, so in a worker thread it leaves the event loop free.
    @app.post("/login")
    def login(
        request: Request,
        response: Response,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        origin: Annotated[str | None, Header()] = None,
        sec_fetch_site: Annotated[str | None, Header()] = None,
    ) -> dict[str, str]:
        same_origin(request, origin, sec_fetch_site)  # no logging in from another site either
        state = request.app.state
        stored = state.passwords.get(username)
        if stored is None or not state.hasher.verify(password, stored):
            raise HTTPException(401, "wrong username or password")
        # A new id at every login: an id planted before it (session fixation) is useless.
        session_id = secrets.token_urlsafe(32)
        state.sessions[session_id] = Session(username, time.time() + SESSION_SECONDS)
        set_session_cookies(response, state.secret, session_id)
        response.headers["Cache-Control"] = "no-store"
        return {"user": username}

    @app.get("/me")
    async def me(
        current: Annotated[tuple[str, Session], Depends(current_session)],
    ) -> dict[str, str]:
        return {"user": current[1].user}

    @app.get("/notes")
    async def list_notes(
        request: Request, current: Annotated[tuple[str, Session], Depends(current_session)]
    ) -> list[str]:
        notes: list[str] = request.app.state.notes[current[1].user]
        return notes

    @app.post("/notes", status_code=201)
    async def add_note(
        request: Request,
        note: Note,
        current: Annotated[tuple[str, Session], Depends(csrf_protected)],
    ) -> list[str]:
        notes: list[str] = request.app.state.notes[current[1].user]
        notes.append(note.text)
        return notes

    @app.post("/logout", status_code=204)
    async def logout(
        request: Request,
        response: Response,
        current: Annotated[tuple[str, Session], Depends(csrf_protected)],
    ) -> None:
        request.app.state.sessions.pop(current[0], None)  # the server forgets it first
        response.delete_cookie(SESSION_COOKIE, secure=True, httponly=True, samesite="lax")
        response.delete_cookie(CSRF_COOKIE, secure=True, samesite="strict")

    return app

"""Multi-tenancy on one database: the tenant comes from the token, and the session scopes
every query to it, so no route can read or change another tenant's rows."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .auth import (
    ACCESS_TOKEN_LIFETIME,
    CurrentClaims,
    Token,
    create_access_token,
    signing_key,
    tenant_slug_from_host,
    unauthorized,
)
from .models import Base, Note, Tenant, User
from .problems import EXCEPTION_HANDLERS
from .tenancy import ALL_TENANTS, scope_to_tenant, tenant_session

# (id, subdomain, name): ids never change, subdomains and names may.
DEMO_TENANTS = (("ten_5f2c8a01", "acme", "Acme Corp"), ("ten_b7e4d913", "globex", "Globex"))
# (id, tenant id, email, password): demo data only.
DEMO_USERS = (
    ("usr_3c9e1f70", "ten_5f2c8a01", "alice@acme.example", "wonderland"),
    ("usr_b24d8a16", "ten_b7e4d913", "bob@globex.example", "builder"),
)
DEMO_NOTES = (  # inserted in this order, so ids 1 and 2 are Acme's and 3 is Globex's
    ("ten_5f2c8a01", "Q3 roadmap"),
    ("ten_5f2c8a01", "Office move"),
    ("ten_b7e4d913", "Merger plans"),
)
NoteId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # INTEGER is 32-bit on PostgreSQL


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    slug: str
    name: str


class NoteIn(BaseModel):
    # No tenant_id: the tenant is the caller's, never the body's.
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    body: str = Field("", max_length=2000)


class NoteOut(NoteIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tenant_id: str


class NotePage(BaseModel):
    total: int
    items: list[NoteOut]


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


def make_engine() -> Engine:
    """The database DATABASE_URL names (see .env), else SQLite in memory."""
    if url := DatabaseSettings().database_url:
        return create_engine(url)
    return create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = make_engine()
    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    scope_to_tenant(sessions)
    hasher = PasswordHash.recommended()
    with sessions.begin() as session:  # tenants are not tenant data: no tenant needed
        session.add_all(Tenant(id=i, slug=slug, name=name) for i, slug, name in DEMO_TENANTS)
    for tenant_id, *_ in DEMO_TENANTS:
        with tenant_session(sessions, tenant_id) as session, session.begin():
            session.add_all(
                User(id=user_id, email=email, password_hash=hasher.hash(password))
                for user_id, tid, email, password in DEMO_USERS
                if tid == tenant_id
            )
    for tenant_id, title in DEMO_NOTES:  # one at a time: ids in the order listed
        with tenant_session(sessions, tenant_id) as session, session.begin():
            session.add(Note(title=title))
    app.state.sessions = sessions
    app.state.password_hash = hasher
    app.state.dummy_hash = hasher.hash("a password nobody has")
    app.state.jwt_key = signing_key()
    yield
    engine.dispose()


def current_tenant(request: Request, claims: CurrentClaims) -> TenantOut:
    """The tenant named in the verified token; on a tenant's own subdomain, it must match."""
    with request.app.state.sessions() as session:
        tenant = session.get(Tenant, claims.tid)
        if tenant is None:
            raise unauthorized("unknown tenant")
        found = TenantOut.model_validate(tenant)
    host_slug = tenant_slug_from_host(request.headers.get("host"))
    if host_slug is not None and host_slug != found.slug:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This token is for another tenant.")
    return found


CurrentTenant = Annotated[TenantOut, Depends(current_tenant)]


def tenant_db(request: Request, tenant: CurrentTenant, claims: CurrentClaims) -> Iterator[Session]:
    """A session that sees only the caller's tenant: every route's only way to the data."""
    with tenant_session(request.app.state.sessions, tenant.id) as session:
        if session.get(User, claims.sub) is None:  # no such user in *this* tenant
            raise unauthorized("unknown user")
        yield session


TenantDB = Annotated[Session, Depends(tenant_db)]


def note_or_404(session: Session, note_id: int) -> Note:
    # No tenant filter here, on purpose: the session adds it. Another tenant's note
    # is simply not found, exactly like a note that does not exist.
    note = session.get(Note, note_id)
    if note is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Note {note_id} not found.")
    return note


def create_app() -> FastAPI:
    app = FastAPI(title="Multi-tenancy", lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)

    @app.post("/token")
    def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request) -> Token:
        # A plain def: argon2 and the sync session block, so this runs in a worker thread.
        state = request.app.state
        with state.sessions() as session:
            # Logging in is the one query that must search every tenant, and says so.
            query = select(User).where(User.email == form.username)
            user = session.scalars(query.execution_options(**{ALL_TENANTS: True})).first()
        hashed = user.password_hash if user else state.dummy_hash  # same work either way
        if not state.password_hash.verify(form.password, hashed) or user is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Incorrect email or password.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Token(
            access_token=create_access_token(user.id, user.tenant_id, state.jwt_key),
            expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        )

    @app.get("/tenant")
    async def read_tenant(tenant: CurrentTenant) -> TenantOut:
        return tenant

    @app.get("/notes")
    def list_notes(session: TenantDB) -> NotePage:
        # Count a column of the entity: select(func.count()).select_from(Note) names no
        # ORM entity, so the tenant criteria would not apply and it would count every row.
        total = session.scalar(select(func.count(Note.id))) or 0
        notes = session.scalars(select(Note).order_by(Note.id).limit(50))
        return NotePage(total=total, items=[NoteOut.model_validate(note) for note in notes])

    @app.post("/notes", status_code=status.HTTP_201_CREATED, response_model=NoteOut)
    def create_note(note: NoteIn, session: TenantDB) -> Note:
        created = Note(**note.model_dump())  # its tenant_id is stamped at flush
        session.add(created)
        session.commit()
        return created

    @app.get("/notes/{note_id}", response_model=NoteOut)
    def read_note(note_id: NoteId, session: TenantDB) -> Note:
        return note_or_404(session, note_id)

    @app.put("/notes/{note_id}", response_model=NoteOut)
    def replace_note(note_id: NoteId, note: NoteIn, session: TenantDB) -> Note:
        found = note_or_404(session, note_id)
        found.title, found.body = note.title, note.body
        session.commit()
        return found

    @app.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_note(note_id: NoteId, session: TenantDB) -> Response:
        session.delete(note_or_404(session, note_id))
        session.commit()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return app

"""Tenant A cannot read, change or delete tenant B's rows, by any route, now or later; and
a query that forgets its tenant fails instead of returning everyone's rows."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from .app import create_app
from .models import Note, Tenant, User
from .tenancy import ALL_TENANTS, NoTenant, tenant_session

ACME, GLOBEX = "ten_5f2c8a01", "ten_b7e4d913"
ACME_NOTE, GLOBEX_NOTE = 1, 3
LOGINS = {"alice": ("alice@acme.example", "wonderland"), "bob": ("bob@globex.example", "builder")}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # One app per module: its lifespan hashes every demo password, which takes a while.
    # The tests that change rows change only their own.
    with TestClient(create_app()) as client:
        yield client


@pytest.fixture(scope="module")
def auth(client: TestClient) -> dict[str, dict[str, str]]:
    headers = {}
    for name, (email, password) in LOGINS.items():
        token = client.post("/token", data={"username": email, "password": password})
        headers[name] = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return headers


@pytest.fixture
def sessions(client: TestClient) -> sessionmaker[Session]:
    found: sessionmaker[Session] = client.app.state.sessions  # type: ignore[attr-defined]
    return found


def note_operations(client: TestClient) -> list[tuple[str, str]]:
    """Every operation that takes a note id, read from the schema: new routes included."""
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if "{note_id}" in path
        for method in operations
    ]


def test_every_note_route_is_attacked(client: TestClient) -> None:
    assert sorted(note_operations(client)) == [
        ("DELETE", "/notes/{note_id}"),
        ("GET", "/notes/{note_id}"),
        ("PUT", "/notes/{note_id}"),
    ]


def test_tenant_a_cannot_touch_tenant_bs_rows_by_any_route(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    before = client.get(f"/notes/{GLOBEX_NOTE}", headers=auth["bob"]).json()
    missing = client.get("/notes/999", headers=auth["alice"])
    for method, path in note_operations(client):
        url = path.replace("{note_id}", str(GLOBEX_NOTE))
        body = {"title": "Hijacked"} if method == "PUT" else None
        response = client.request(method, url, headers=auth["alice"], json=body)
        # Exactly the answer for a note that does not exist: nothing to tell them apart.
        assert (response.status_code, response.json()["title"]) == (404, "Not Found"), method
        assert response.json()["detail"] == missing.json()["detail"].replace("999", "3")
    assert client.get(f"/notes/{GLOBEX_NOTE}", headers=auth["bob"]).json() == before


def test_each_tenant_lists_and_counts_only_its_own(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    for name, tenant in (("alice", ACME), ("bob", GLOBEX)):
        page = client.get("/notes", headers=auth[name]).json()
        assert page["items"] and {note["tenant_id"] for note in page["items"]} == {tenant}
        assert page["total"] == len(page["items"])


def test_a_new_note_belongs_to_the_callers_tenant_whatever_the_body_says(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    created = client.post("/notes", headers=auth["alice"], json={"title": "Offsite"})
    assert created.status_code == 201 and created.json()["tenant_id"] == ACME
    assert client.get(f"/notes/{created.json()['id']}", headers=auth["bob"]).status_code == 404
    smuggled = {"title": "Plant", "tenant_id": GLOBEX}
    assert client.post("/notes", headers=auth["alice"], json=smuggled).status_code == 422


def test_a_token_on_another_tenants_subdomain_is_refused(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    own = client.get("/tenant", headers={**auth["alice"], "Host": "acme.notes.example"})
    assert own.status_code == 200 and own.json()["slug"] == "acme"
    other = client.get("/tenant", headers={**auth["alice"], "Host": "globex.notes.example"})
    assert other.status_code == 403


NOTE_ALIAS = aliased(Note)


@pytest.mark.parametrize(
    "statement",
    [
        select(Note.id),
        select(NOTE_ALIAS.id),
        select(Note.id).where(Note.id.in_(select(Note.id))),
        select(Note.id).join(User, User.tenant_id == Note.tenant_id),
    ],
    ids=["column", "aliased", "subquery", "join"],
)
def test_hand_written_queries_are_scoped_too(
    sessions: sessionmaker[Session], statement: Select[tuple[int]]
) -> None:
    with tenant_session(sessions, ACME) as session:
        ids = set(session.scalars(statement))
    assert ids and GLOBEX_NOTE not in ids


def test_a_lookup_by_id_and_a_count_are_scoped(sessions: sessionmaker[Session]) -> None:
    with tenant_session(sessions, ACME) as session:
        assert session.get(Note, GLOBEX_NOTE) is None
        assert session.scalar(select(Note).where(Note.id == GLOBEX_NOTE)) is None
        own = session.scalars(select(Note)).all()
        assert session.scalar(select(func.count(Note.id))) == len(own)


def test_bulk_updates_and_deletes_are_scoped(sessions: sessionmaker[Session]) -> None:
    with tenant_session(sessions, ACME) as session:
        assert session.execute(delete(Note).where(Note.id == GLOBEX_NOTE)).rowcount == 0
        changed = session.execute(update(Note).values(body="touched")).rowcount
        assert changed == session.scalar(select(func.count(Note.id)))
        session.rollback()


def test_a_query_without_a_tenant_fails_instead_of_returning_every_row(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        with pytest.raises(NoTenant):
            session.scalars(select(Note)).all()
        assert len(session.scalars(select(Tenant)).all()) == 2  # not tenant data
        every = select(Note).execution_options(**{ALL_TENANTS: True})  # explicit, greppable
        assert {note.tenant_id for note in session.scalars(every)} == {ACME, GLOBEX}


def test_a_row_cannot_be_inserted_into_or_moved_to_another_tenant(
    sessions: sessionmaker[Session],
) -> None:
    with tenant_session(sessions, ACME) as session:
        session.add(Note(title="Elsewhere", tenant_id=GLOBEX))
        with pytest.raises(NoTenant):
            session.flush()
        session.rollback()
        note = session.get(Note, ACME_NOTE)
        assert note is not None
        note.tenant_id = GLOBEX
        with pytest.raises(NoTenant):
            session.flush()
        session.rollback()

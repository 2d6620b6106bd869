"""User A cannot read, change or delete user B's invoice, by any route, now or later."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from .app import DEMO_INVOICES, create_app
from .schemas import Invoice

ALICE_INVOICE, BOB_INVOICE, MISSING = 1, 3, 999
PASSWORDS = {"alice": "wonderland", "bob": "builder", "dora": "explorer", "grace": "hopper"}


@pytest.fixture(scope="module")
def app_client() -> Iterator[TestClient]:
    # One app per module: its lifespan hashes every demo password, which takes a while.
    with TestClient(create_app()) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient) -> TestClient:
    """The module's app with the demo invoices as they were: tests may change them."""
    invoices = {invoice["id"]: Invoice(**invoice) for invoice in DEMO_INVOICES}
    app_client.app.state.invoices = invoices  # type: ignore[attr-defined]
    return app_client


@pytest.fixture(scope="module")
def auth(app_client: TestClient) -> dict[str, dict[str, str]]:
    """An Authorization header per user, logged in once for the module."""
    headers = {}
    for username, password in PASSWORDS.items():
        token = app_client.post("/token", data={"username": username, "password": password})
        headers[username] = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return headers


def invoice_operations(client: TestClient) -> list[tuple[str, str]]:
    """Every operation that takes an invoice id, read from the schema: new routes included."""
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if "{invoice_id}" in path
        for method in operations
    ]


def test_every_invoice_route_is_checked(client: TestClient) -> None:
    assert sorted(invoice_operations(client)) == [
        ("DELETE", "/invoices/{invoice_id}"),
        ("GET", "/invoices/{invoice_id}"),
        ("PATCH", "/invoices/{invoice_id}"),
    ]


def test_alice_cannot_touch_bobs_invoice_by_any_route(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    for method, path in invoice_operations(client):
        url = path.format(invoice_id=BOB_INVOICE)
        response = client.request(method, url, headers=auth["alice"], json={"memo": "mine now"})
        assert response.status_code == 404, (method, path)
    bobs = client.get(f"/invoices/{BOB_INVOICE}", headers=auth["bob"])
    assert bobs.status_code == 200
    assert bobs.json()["memo"] == "Cement mixer"  # unchanged, and not deleted


def test_someone_elses_invoice_looks_exactly_like_a_missing_one(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    hidden = client.get(f"/invoices/{BOB_INVOICE}", headers=auth["alice"])
    missing = client.get(f"/invoices/{MISSING}", headers=auth["alice"])
    assert hidden.headers["content-type"] == missing.headers["content-type"]
    # Byte for byte the same, but for the id the caller sent.
    assert hidden.text == missing.text.replace(str(MISSING), str(BOB_INVOICE))


def test_the_owner_reads_and_updates_their_own(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    assert client.get(f"/invoices/{ALICE_INVOICE}", headers=auth["alice"]).status_code == 200
    updated = client.patch(
        f"/invoices/{ALICE_INVOICE}", headers=auth["alice"], json={"memo": "Tea set, blue"}
    )
    assert updated.status_code == 200
    assert updated.json()["memo"] == "Tea set, blue"


def test_a_list_holds_only_what_the_caller_may_read(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    owners = {i["owner_id"] for i in client.get("/invoices", headers=auth["alice"]).json()}
    assert owners == {"usr_3c9e1f70"}
    assert len(client.get("/invoices", headers=auth["dora"]).json()) >= 3


def test_a_role_without_the_permission_gets_a_403(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    auditor_edit = client.patch(
        f"/invoices/{BOB_INVOICE}", headers=auth["dora"], json={"memo": "audited"}
    )
    assert auditor_edit.status_code == 403
    assert auditor_edit.headers["content-type"] == "application/problem+json"
    own_delete = client.delete(f"/invoices/{ALICE_INVOICE}", headers=auth["alice"])
    assert own_delete.status_code == 403  # she can see it, so hiding it would be a lie


def test_a_patch_cannot_move_an_invoice_to_another_owner(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    response = client.patch(
        f"/invoices/{ALICE_INVOICE}",
        headers=auth["alice"],
        json={"memo": "gift", "owner_id": "usr_b24d8a16"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "extra_forbidden"


def test_an_admin_overrides_ownership(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    updated = client.patch(
        f"/invoices/{BOB_INVOICE}", headers=auth["grace"], json={"memo": "Refunded"}
    )
    assert updated.status_code == 200
    assert client.delete(f"/invoices/{BOB_INVOICE}", headers=auth["grace"]).status_code == 204
    assert client.get(f"/invoices/{BOB_INVOICE}", headers=auth["grace"]).status_code == 404


def test_without_a_valid_token_nothing_is_served(client: TestClient) -> None:
    assert client.get(f"/invoices/{ALICE_INVOICE}").status_code == 401
    forged = {"Authorization": "Bearer not-a-jwt"}
    response = client.get(f"/invoices/{ALICE_INVOICE}", headers=forged)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'

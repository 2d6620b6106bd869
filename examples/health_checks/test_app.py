"""Health checks: liveness stays up, readiness follows the dependencies and the lifecycle."""

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from .app import Settings, create_app

TOKEN = "a-token-for-these-tests"


def settings(**changes: object) -> Settings:
    return Settings(_env_file=None, admin_token=TOKEN, **changes)  # type: ignore[arg-type]


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(settings(check_timeout=0.1))) as client:
        yield client


def test_ready_when_every_dependency_answers(client: TestClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["status"] == "pass"
    assert {name for name, check in response.json()["checks"].items()} == {"database", "cache"}


def test_a_critical_dependency_down_is_503_and_liveness_stays_up(client: TestClient) -> None:
    client.put("/simulate/database", json={"mode": "down"})

    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == {
        "status": "fail",
        "critical": True,
        "duration_ms": ready.json()["checks"]["database"]["duration_ms"],
        "error": "unavailable",
    }
    assert client.get("/livez").status_code == 200


def test_the_drivers_message_never_reaches_the_response(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    client.put("/simulate/database", json={"mode": "down"})

    response = client.get("/readyz")

    assert "s3cret-pw" not in response.text
    assert "db.internal" not in response.text
    assert "s3cret-pw" in caplog.text  # the operator still finds the cause in the log


def test_a_slow_dependency_fails_its_check_within_the_timeout(client: TestClient) -> None:
    client.put("/simulate/database", json={"mode": "slow"})

    started = time.perf_counter()
    response = client.get("/readyz")

    assert time.perf_counter() - started < 1.0  # the ping itself would take a minute
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["error"] == "no answer within 0.1 s"


def test_an_optional_dependency_down_is_a_warning_not_a_503(client: TestClient) -> None:
    client.put("/simulate/cache", json={"mode": "down"})

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "warn"


def test_not_ready_while_starting() -> None:
    with TestClient(create_app(settings(warmup_seconds=0.3))) as client:
        starting = client.get("/readyz")
        alive = client.get("/livez")
        time.sleep(0.5)
        ready = client.get("/readyz")

    assert (starting.status_code, starting.json()["phase"]) == (503, "starting")
    assert alive.status_code == 200
    assert ready.status_code == 200


def test_draining_makes_it_unready_but_it_keeps_serving(client: TestClient) -> None:
    refused = client.post("/admin/drain", headers={"Authorization": "Bearer guess"})
    drained = client.post("/admin/drain", headers={"Authorization": f"Bearer {TOKEN}"})

    assert refused.status_code == 401
    assert drained.status_code == 202
    assert client.get("/readyz").json() == {"status": "fail", "phase": "draining", "checks": {}}
    assert client.get("/livez").status_code == 200


def test_shutdown_marks_the_instance_draining() -> None:
    with TestClient(create_app(settings())) as client:
        assert client.get("/readyz").status_code == 200
        lifecycle = client.app_state["lifecycle"]
    assert lifecycle.phase == "draining"

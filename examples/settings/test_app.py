"""Settings: what is read from where, what is refused at startup, and overriding in tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from .app import create_app
from .config import Settings, current_settings, get_settings

DEMO_KEY = "demo-reports-key-7f3a9c"  # secrets/shop_reports_api_key


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """get_settings() caches for the process: each test reads the environment anew."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_values_come_from_the_env_file_and_the_secret_from_its_file() -> None:
    settings = get_settings()

    assert settings.environment == "staging"
    assert settings.page_size == 50
    assert settings.allowed_origins == ["https://shop.example"]
    assert settings.reports_api_key.get_secret_value() == DEMO_KEY
    assert get_settings() is settings  # read once


def test_an_environment_variable_beats_the_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_PAGE_SIZE", "10")
    assert get_settings().page_size == 10


def test_the_secret_never_shows_in_repr_or_json() -> None:
    settings = get_settings()
    assert DEMO_KEY not in repr(settings)
    assert DEMO_KEY not in settings.model_dump_json()


def test_the_endpoints_read_the_settings() -> None:
    with TestClient(create_app()) as client:
        about = client.get("/about").json()
        allowed = client.get("/reports/daily", headers={"X-API-Key": DEMO_KEY})
        refused = client.get("/reports/daily", headers={"X-API-Key": "guess"})

    assert about == {
        "app_name": "Shop API (staging)",
        "environment": "staging",
        "page_size": 50,
        "allowed_origins": ["https://shop.example"],
    }
    assert allowed.status_code == 200
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_test_overrides_the_dependency() -> None:
    app = create_app()
    test_settings = Settings(_env_file=None, reports_api_key="a-key-only-tests-use", page_size=5)
    app.dependency_overrides[current_settings] = lambda: test_settings

    with TestClient(app) as client:
        assert client.get("/about").json()["page_size"] == 5
        ok = client.get("/reports/daily", headers={"X-API-Key": "a-key-only-tests-use"})
        assert ok.status_code == 200


def test_a_wrong_value_stops_the_app_before_it_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_PAGE_SIZE", "500")

    with pytest.raises(ValidationError, match="page_size"):
        create_app()


def test_debug_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_ENVIRONMENT", "production")
    monkeypatch.setenv("SHOP_DEBUG", "true")

    with pytest.raises(ValidationError, match="debug must be off in production"):
        get_settings()


def test_a_missing_secret_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="reports_api_key"):
        Settings(_secrets_dir=tmp_path)


def test_a_rejected_secret_is_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_REPORTS_API_KEY", "short-key")  # beats the secret file

    with pytest.raises(ValidationError) as caught:
        get_settings()

    assert "at least 16 characters" in str(caught.value)
    assert "short-key" not in str(caught.value)


def test_a_misspelt_name_in_the_env_file_is_refused(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SHOP_PAGE_SIZ=5\n", encoding="utf-8")

    with pytest.raises(ValidationError, match="shop_page_siz"):
        Settings(_env_file=env_file)

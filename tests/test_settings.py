from pathlib import Path

import pytest

from kb.settings import PROJECT_DIR, Settings


def test_defaults_point_into_the_project_not_the_working_directory() -> None:
    settings = Settings()
    assert settings.content_dir == PROJECT_DIR / "content"
    assert settings.examples_dir.is_absolute()


def test_environment_variables_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KB_CONTENT_DIR", str(tmp_path))
    monkeypatch.setenv("KB_TRY_TIMEOUT", "0")
    settings = Settings()
    assert settings.content_dir == tmp_path
    assert settings.try_timeout == 0


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (PROJECT_DIR / "README.md").read_text("utf-8")
    for name in Settings.model_fields:
        assert f"`KB_{name.upper()}`" in readme, name


@pytest.mark.parametrize("url", ["", "postgresql+psycopg://kb@127.0.0.1:5433/kb"])
def test_the_examples_database_is_unset_or_a_psycopg_url(url: str) -> None:
    assert Settings(examples_database_url=url).examples_database_url == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("postgresql://kb@db/kb", "must start with postgresql\\+psycopg://"),
        ("postgresql+asyncpg://kb@db/kb", "must start with postgresql\\+psycopg://"),
        ("sqlite:///examples.db", "must start with postgresql\\+psycopg://"),
        ("not a url", "is not a SQLAlchemy URL"),
    ],
)
def test_any_other_examples_database_is_refused(url: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Settings(examples_database_url=url)

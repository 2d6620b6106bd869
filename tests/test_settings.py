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

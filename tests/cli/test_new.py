from pathlib import Path

import pytest

from kb.cli import main
from kb.settings import Settings
from tests.cli.conftest import dirs


def test_new_scaffolds_an_entry_that_passes_check(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["--section", "best-practices", "--title", "Retry-After Headers"]
    assert (
        main(["new", "retry-after", *arguments, "--tags", "retries,http", *dirs(site_settings)])
        == 0
    )
    out = capsys.readouterr().out
    assert "created" in out and "retry-after.md" in out and "retry_after/app.py" in out
    assert "listed retry-after in" in out and "kb check" in out
    entry = site_settings.content_dir / "retry-after.md"
    assert "tags: [retries, http]" in entry.read_text()
    assert main(["check", *dirs(site_settings), str(entry)]) == 0


def test_new_explains_a_mistake(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["--section", "Best Practice", "--title", "Retry-After Headers"]
    assert main(["new", "retry-after", *arguments, *dirs(site_settings)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "kb new: unknown section 'Best Practice' (did you mean 'Best Practices'?)"
    )
    assert len(err.splitlines()) == 1
    assert not (site_settings.content_dir / "retry-after.md").exists()


def test_new_writes_the_first_entry_of_an_empty_folder(
    site_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = tmp_path / "fresh"
    content.mkdir()
    arguments = ["--section", "Core Patterns", "--title", "First Entry", "--no-example"]
    options = ["--content", str(content), "--examples", str(site_settings.examples_dir)]
    assert main(["new", "first-entry", *arguments, *options]) == 0
    assert (content / "first-entry.md").is_file()


def test_new_into_a_folder_that_is_not_there_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["--section", "Core Patterns", "--title", "First Entry"]
    assert main(["new", "first-entry", *arguments, "--content", str(tmp_path / "no")]) == 2
    assert "kb new: the content folder" in capsys.readouterr().err

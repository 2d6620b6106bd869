import sqlite3
from pathlib import Path

import pytest

from kb.cli import main
from kb.settings import Settings
from tests.cli.conftest import dirs, run_kb


def test_index_builds_and_writes_a_database(
    site_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "index.db"
    assert main(["index", *dirs(site_settings), "--db", str(target)]) == 0
    assert "indexed 2 entries" in capsys.readouterr().out
    with sqlite3.connect(target) as connection:
        assert connection.execute('select count(*) from "entry_texts_fts"').fetchone() == (2,)


def test_index_reports_entries_that_cannot_be_read(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    (site_settings.content_dir / "broken.md").write_text("nothing\n")
    assert main(["index", *dirs(site_settings)]) == 1
    captured = capsys.readouterr()
    assert "indexed 2 entries" in captured.out
    assert "broken.md:1:1: KB102" in captured.err


def test_a_missing_content_folder_is_one_line(tmp_path: Path) -> None:
    result = run_kb("index", "--content", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stderr == (
        f"kb index: the content folder {tmp_path / 'nowhere'} does not exist "
        "(set it with --content or KB_CONTENT_DIR)\n"
    )


def test_an_empty_content_folder_is_one_line(tmp_path: Path) -> None:
    result = run_kb("index", "--content", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"kb index: the content folder {tmp_path} has no entries")


def test_a_folder_of_entries_none_of_which_reads_is_one_line(
    site_settings: Settings, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "broken.md").write_text("nothing\n")
    result = run_kb(
        "index", "--content", str(content), "--examples", str(site_settings.examples_dir)
    )
    assert result.returncode == 1
    assert "broken.md:1:1: KB102" in result.stderr
    assert result.stderr.endswith(
        "kb index: no entry could be read, so there is nothing to index\n"
    )


def test_a_database_file_that_cannot_be_written_is_one_line(
    site_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-folder" / "index.db"
    assert main(["index", *dirs(site_settings), "--db", str(target)]) == 1
    assert capsys.readouterr().err == (
        f"kb index: cannot write the index to {target}: unable to open database file\n"
    )

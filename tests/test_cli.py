import json
import sqlite3
from pathlib import Path

import pytest

from kb.cli import build_parser, main
from kb.settings import Settings


def dirs(settings: Settings) -> list[str]:
    return ["--content", str(settings.content_dir), "--examples", str(settings.examples_dir)]


def test_check_passes_on_a_clean_site(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", *dirs(site_settings)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "all entries pass" in captured.err


def test_check_reports_file_line_col_code_message(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    path = site_settings.content_dir / "greeting.md"
    path.write_text(path.read_text().replace("HTTP 409", "HTTP 200"))
    assert main(["check", *dirs(site_settings)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        "greeting.md:30:1: KB601 try block 2 (POST /names): expected HTTP 200, got 409: "
        '{"detail":"alice is already here"}'
    )


def test_check_json_format(site_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    (site_settings.content_dir / "broken.md").write_text("nothing\n")
    assert main(["check", "--format", "json", *dirs(site_settings)]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert problems == [
        {
            "path": str(site_settings.content_dir / "broken.md"),
            "line": 1,
            "col": 1,
            "code": "KB102",
            "message": "missing front matter: start with '---'",
        }
    ]


def test_check_can_be_limited_to_paths(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    (site_settings.content_dir / "broken.md").write_text("nothing\n")
    farewell = str(site_settings.content_dir / "farewell.md")
    assert main(["check", *dirs(site_settings), farewell]) == 0
    assert capsys.readouterr().out == ""


def test_check_reports_an_example_that_fails_to_import(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    example = site_settings.examples_dir / "greeter.py"
    example.write_text("import not_a_module_anywhere\n" + example.read_text())
    assert main(["check", *dirs(site_settings)]) == 1
    out = capsys.readouterr().out
    assert "greeting.md:7:1: KB501 examples/greeter failed to import:" in out
    assert "greeter.py:1: ModuleNotFoundError" in out


def test_index_builds_and_writes_a_database(
    site_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "index.db"
    assert main(["index", *dirs(site_settings), "--db", str(target)]) == 0
    assert "indexed 2 entries" in capsys.readouterr().out
    with sqlite3.connect(target) as connection:
        assert connection.execute('select count(*) from "entry_texts_fts"').fetchone() == (2,)


def test_serve_arguments_parse() -> None:
    args = build_parser().parse_args(["serve", "--port", "9000", "--reload", "--content", "c"])
    assert (args.port, args.reload, args.content, args.host) == (9000, True, "c", None)


def test_an_unknown_command_exits_with_usage() -> None:
    with pytest.raises(SystemExit) as info:
        main(["brew"])
    assert info.value.code == 2

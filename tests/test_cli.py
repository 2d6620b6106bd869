import json
import sqlite3
from pathlib import Path

import pytest

from kb.cli import build_parser, main
from kb.settings import PROJECT_DIR, Settings


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
    assert "kb new: unknown section 'Best Practice' (did you mean 'Best Practices'?)" in err
    assert not (site_settings.content_dir / "retry-after.md").exists()


def test_proposals_list_show_accept_reject(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from kb.contribute.proposals import ProposalStore

    store = ProposalStore(site_settings.proposals_database)
    text = (site_settings.content_dir / "farewell.md").read_text()
    store.add("see-you", "See You", text.replace("Saying Farewell", "See You"), author="ada")
    store.add("spam", "Spam", text.replace("Saying Farewell", "Spam"))
    store.dispose()
    capsys.readouterr()

    assert main(["proposals", *dirs(site_settings), "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].startswith("#1    pending") and "see-you" in out[0] and "(by ada)" in out[0]

    assert main(["proposals", *dirs(site_settings), "show", "1"]) == 0
    shown = capsys.readouterr().out
    assert "proposal #1: pending" in shown and "title:   See You" in shown
    assert "summary: A second fixture entry" in shown  # the Markdown itself

    assert main(["proposals", *dirs(site_settings), "accept", "1"]) == 0
    out = capsys.readouterr().out
    assert "accepted #1: wrote" in out and "the accepted entry passes" in out
    assert (site_settings.content_dir / "see-you.md").read_text().count("See You") == 1

    assert main(["proposals", *dirs(site_settings), "reject", "2", "--reason", "spam"]) == 0
    assert main(["proposals", *dirs(site_settings), "list", "--status", "all"]) == 0
    listed = capsys.readouterr().out
    assert "accepted" in listed and "rejected" in listed

    assert main(["proposals", *dirs(site_settings), "accept", "1"]) == 1
    assert "kb proposals: proposal #1 is already accepted" in capsys.readouterr().err


def test_proposals_accept_refuses_to_overwrite(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from kb.contribute.proposals import ProposalStore

    store = ProposalStore(site_settings.proposals_database)
    store.add("farewell", "Farewell", "---\nreplacement\n")
    store.dispose()
    assert main(["proposals", *dirs(site_settings), "accept", "1"]) == 1
    assert "exists: accept with --replace" in capsys.readouterr().err
    assert "Saying Farewell" in (site_settings.content_dir / "farewell.md").read_text()


def test_serve_reload_is_development_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import uvicorn

    from kb import cli

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(cli, "configure_logging", lambda: None)
    # Set here so that what serve sets in the environment is undone after the test.
    monkeypatch.setenv("KB_DEV", "false")
    monkeypatch.setenv("KB_CONTENT_DIR", str(Settings().content_dir))
    monkeypatch.setenv("KB_EXAMPLES_DIR", str(Settings().examples_dir))
    assert main(["serve", "--reload"]) == 0
    assert os.environ["KB_DEV"] == "1"
    [kwargs] = calls
    assert kwargs["reload"] is True and kwargs["timeout_graceful_shutdown"] == 1
    # content/ and examples/ are reloaded in-process, not by restarting the server
    assert kwargs["reload_dirs"] == [str(Path(cli.__file__).resolve().parent)]


def test_serve_runs_uvicorn_with_proxy_headers_from_trusted_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(
        uvicorn, "run", lambda app, **options: calls.append({"app": app, **options})
    )
    monkeypatch.setenv("KB_FORWARDED_ALLOW_IPS", "10.0.0.5")
    # serve() exports the folders for uvicorn's factory; monkeypatch undoes that afterwards.
    monkeypatch.setenv("KB_CONTENT_DIR", str(PROJECT_DIR / "content"))
    monkeypatch.setenv("KB_EXAMPLES_DIR", str(PROJECT_DIR / "examples"))
    assert main(["serve", "--port", "9123"]) == 0
    options = calls[0]
    assert options["app"] == "kb.app:create_app" and options["factory"] is True
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == "10.0.0.5"
    assert options["port"] == 9123
    assert options["ws_max_size"] == Settings().max_body


def test_what_examples_print_does_not_mix_with_the_json(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    example = site_settings.examples_dir / "greeter.py"
    example.write_text(example.read_text() + "\nprint('hello from the example')\n")
    assert main(["check", "--format", "json", *dirs(site_settings)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert "hello from the example" in captured.err

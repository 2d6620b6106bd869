import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from kb.cli import main
from kb.settings import PROJECT_DIR, Settings
from tests.cli.conftest import dirs, run_kb

NOISY = """
import logging
import sys

_log = logging.getLogger("kb_examples.greeter")
_create_app = create_app


def create_app():
    print("hello from the example")
    print("and from its stderr", file=sys.stderr)
    _log.warning("a warning from the example")
    return _create_app()
"""


def make_noisy(settings: Settings) -> None:
    example = settings.examples_dir / "greeter.py"
    example.write_text(example.read_text() + NOISY)


def break_second_block(settings: Settings) -> None:
    path = settings.content_dir / "greeting.md"
    path.write_text(path.read_text().replace("HTTP 409", "HTTP 200"))


def test_check_passes_on_a_clean_site_with_a_summary(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", *dirs(site_settings)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    [summary] = captured.err.splitlines()
    assert summary.startswith("kb check: all 2 entries pass (7 try blocks run) in ")
    assert summary.endswith(" s")


def test_check_reports_file_line_col_code_message(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    break_second_block(site_settings)
    assert main(["check", *dirs(site_settings)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        "greeting.md:30:1: KB601 try block 2 (POST /names): expected HTTP 200, got 409: "
        '{"detail":"alice is already here"}'
    )
    assert "kb check: 1 problem in 1 of 2 entries (7 try blocks run) in" in captured.err


def test_a_passing_entry_shows_nothing_of_what_its_example_wrote(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    make_noisy(site_settings)
    assert main(["check", *dirs(site_settings)]) == 0
    captured = capsys.readouterr()
    assert "example" not in captured.out + captured.err


def test_a_failing_entry_shows_what_its_example_wrote_after_the_problems(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    make_noisy(site_settings)
    break_second_block(site_settings)
    assert main(["check", *dirs(site_settings)]) == 1
    captured = capsys.readouterr()
    assert "KB601" in captured.out and "hello" not in captured.out
    header, *body = captured.err.split("\n")
    assert "output captured while checking" in header and "greeting.md" in header
    # In the order written: stdout, stderr and the example's log records, one buffer.
    assert body[:3] == [
        "hello from the example",
        "and from its stderr",
        "WARNING kb_examples.greeter: a warning from the example",
    ]
    assert body[-2].startswith("kb check: 1 problem")


def test_check_json_format_has_problems_summary_and_output(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    (site_settings.content_dir / "broken.md").write_text("nothing\n")
    make_noisy(site_settings)
    break_second_block(site_settings)
    assert main(["check", "--format", "json", *dirs(site_settings)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problems"][0] == {
        "path": str(site_settings.content_dir / "broken.md"),
        "line": 1,
        "col": 1,
        "code": "KB102",
        "message": "The entry has no front matter: start the file with a line of `---`, "
        "then its fields (title, summary, section, group, updated), then another `---`.",
    }
    assert [p["code"] for p in report["problems"]] == ["KB102", "KB601"]
    summary = report["summary"]
    assert (summary["entries"], summary["try_blocks"], summary["problems"]) == (2, 7, 2)
    assert summary["seconds"] > 0
    [(path, output)] = report["output"].items()
    assert path == str(site_settings.content_dir / "greeting.md")
    assert output.startswith("hello from the example\n")


def test_check_github_format_annotates_each_problem(
    site_settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site_settings.content_dir.parent)
    make_noisy(site_settings)
    break_second_block(site_settings)
    assert main(["check", "--format", "github", *dirs(site_settings)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "::error file=content/greeting.md,line=30,col=1,title=kb check (KB601)::"
        'KB601 try block 2 (POST /names): expected HTTP 200, got 409: {"detail":"alice is already here"}'
    )
    assert lines[1] == "::group::output captured while checking content/greeting.md"
    # The example's lines are never taken for workflow commands.
    token = lines[2].removeprefix("::stop-commands::")
    assert len(token) == 16 and lines[3] == "hello from the example"
    assert lines[-2:] == [f"::{token}::", "::endgroup::"]


def test_github_format_escapes_what_would_end_a_command() -> None:
    from kb.cli.report import as_github
    from kb.content.problems import Problem

    problem = Problem(Path("a,b:c.md"), 2, 1, "KB100", "50% done\nnext line")
    assert as_github([problem], {}) == (
        "::error file=a%2Cb%3Ac.md,line=2,col=1,title=kb check (KB100)::"
        "KB100 50%25 done%0Anext line\n"
    )


def test_a_path_that_does_not_exist_is_an_error_not_a_pass() -> None:
    result = run_kb("check", "content/nope.md")
    assert result.returncode == 2
    assert result.stderr == "kb check: content/nope.md: no such file or folder\n"
    assert result.stdout == ""


def test_a_path_that_names_no_entry_is_an_error(site_settings: Settings) -> None:
    result = run_kb("check", *dirs(site_settings), "README.md")
    assert result.returncode == 2
    assert result.stderr.startswith("kb check: README.md: no entry there; give entry files")
    assert "Traceback" not in result.stderr


def test_an_empty_content_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    result = run_kb("check", "--content", str(tmp_path / "content"))
    assert result.returncode == 1
    assert result.stderr == (
        f"kb check: the content folder {tmp_path / 'content'} has no entries "
        "(content/<slug>.md); `kb new` writes one\n"
    )


def test_the_progress_line_is_drawn_on_a_terminal_only(site_settings: Settings) -> None:
    arguments = [sys.executable, "-m", "kb", "check", *dirs(site_settings)]
    plain = subprocess.run(arguments, capture_output=True, text=True, cwd=PROJECT_DIR)
    assert plain.returncode == 0 and "\r" not in plain.stderr

    reader, writer = pty.openpty()
    try:
        process = subprocess.Popen(
            arguments, stdout=subprocess.DEVNULL, stderr=writer, cwd=PROJECT_DIR
        )
        os.close(writer)
        written = b""
        while True:
            try:
                chunk = os.read(reader, 4096)
            except OSError:  # the terminal is closed once the process has ended
                break
            if not chunk:
                break
            written += chunk
        assert process.wait(timeout=60) == 0
    finally:
        os.close(reader)
    text = written.decode()
    assert "\r\x1b[Kreading entries 2/2" in text
    assert "\r\x1b[K[1/2] " in text and "greeting.md" in text
    assert "\r\x1b[K[2/2] " in text
    # The line is cleared before the summary, which stands alone on its own line.
    assert text.split("\r\x1b[K")[-1].startswith("kb check: all 2 entries pass")


def test_examples_named_by_their_file_check_the_entries_that_use_them(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    break_second_block(site_settings)
    example = site_settings.examples_dir / "greeter.py"
    assert main(["check", *dirs(site_settings), str(example)]) == 1
    assert "greeting.md:30:1: KB601" in capsys.readouterr().out
    assert (
        main(["check", *dirs(site_settings), str(site_settings.content_dir / "farewell.md")]) == 0
    )

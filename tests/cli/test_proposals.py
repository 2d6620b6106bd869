from pathlib import Path

import pytest

from kb.cli import main
from kb.contribute.proposals import ProposalStore
from kb.settings import Settings
from tests.cli.conftest import dirs, run_kb


def test_proposals_list_show_accept_reject(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
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
    assert capsys.readouterr().err == "kb proposals: proposal #1 is already accepted\n"


def test_proposals_accept_refuses_to_overwrite(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ProposalStore(site_settings.proposals_database)
    store.add("farewell", "Farewell", "---\nreplacement\n")
    store.dispose()
    assert main(["proposals", *dirs(site_settings), "accept", "1"]) == 1
    assert "exists: accept with --replace" in capsys.readouterr().err
    assert "Saying Farewell" in (site_settings.content_dir / "farewell.md").read_text()


def test_an_empty_list_says_so(site_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proposals", *dirs(site_settings), "list"]) == 0
    assert capsys.readouterr().err == "no pending proposals\n"


def test_a_database_that_cannot_be_used_is_one_line(tmp_path: Path) -> None:
    result = run_kb("proposals", "--db", "nosuchdriver://x/y", "list")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "kb proposals: cannot use the proposals database 'nosuchdriver://x/y'"
    )
    assert len(result.stderr.splitlines()) == 1

    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = run_kb("proposals", "--db", f"sqlite:///{folder}", "list")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"kb proposals: the proposals database sqlite:///{folder} failed: "
    )
    assert len(result.stderr.splitlines()) == 1

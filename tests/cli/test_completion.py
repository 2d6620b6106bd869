import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import run_kb


def script(shell: str, tmp_path: Path) -> Path:
    result = run_kb("completion", shell)
    assert result.returncode == 0, result.stderr
    path = tmp_path / f"kb.{shell}"
    path.write_text(result.stdout)
    return path


def complete_in_bash(script: Path, *words: str) -> list[str]:
    """What bash offers after ``words`` (the last one being completed)."""
    quoted = " ".join(f"'{word}'" for word in words)
    program = (
        f"source {script}; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
        '_shtab_kb; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_bash_completes_commands_options_and_choices(tmp_path: Path) -> None:
    bash = script("bash", tmp_path)
    assert complete_in_bash(bash, "kb", "se") == ["serve"]
    assert complete_in_bash(bash, "kb", "pro") == ["proposals"]
    assert complete_in_bash(bash, "kb", "proposals", "list", "--st") == ["--status"]
    assert complete_in_bash(bash, "kb", "check", "--format", "") == ["text", "json", "github"]
    assert "--log-level" in complete_in_bash(bash, "kb", "serve", "--")


def test_zsh_script_is_a_compdef_that_parses(tmp_path: Path) -> None:
    zsh = script("zsh", tmp_path)
    assert zsh.read_text().startswith("#compdef kb")
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed: its syntax is not checked")
    subprocess.run(["zsh", "-n", str(zsh)], check=True)


def test_fish_completes_commands(tmp_path: Path) -> None:
    fish = script("fish", tmp_path)
    assert "complete -c kb" in fish.read_text()
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed: its completions are not tried")
    offered = subprocess.run(
        ["fish", "-c", f"source {fish}; complete -C 'kb proposals '"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert [line.split("\t")[0] for line in offered.splitlines()] == [
        "accept",
        "list",
        "reject",
        "show",
    ]
    assert "List proposals, oldest first." in offered


def test_an_unknown_shell_is_a_usage_error() -> None:
    result = run_kb("completion", "powershell")
    assert result.returncode == 2
    assert "invalid choice: 'powershell'" in result.stderr

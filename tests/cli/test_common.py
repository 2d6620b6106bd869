import argparse
from pathlib import Path

import pytest

from kb.cli import main
from kb.cli.common import CliError, UsageError, load_settings, require_folders, shown
from kb.settings import Settings
from tests.cli.conftest import run_kb


def test_an_invalid_setting_names_the_variable_its_value_and_the_expected_type() -> None:
    result = run_kb("index", env={"KB_PORT": "abc"})
    assert result.returncode == 2
    assert result.stderr == (
        "kb index: KB_PORT='abc' is not valid: expected a whole number "
        "(input should be a valid integer, unable to parse string as an integer)\n"
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "KB_SEARCH_LIMIT",
            "0",
            "KB_SEARCH_LIMIT='0' is not valid: expected a whole number "
            "(input should be greater than or equal to 1)",
        ),
        ("kb_try_timeout", "soon", "KB_TRY_TIMEOUT='soon' is not valid: expected a number"),
        ("KB_DEV", "perhaps", "KB_DEV='perhaps' is not valid: expected true or false"),
        (
            "KB_TRUSTED_HOSTS",
            "[oops",
            'KB_TRUSTED_HOSTS=\'[oops\' is not valid: expected a JSON list such as ["a", "b"]',
        ),
        (
            "KB_PROPOSALS_RATE",
            "often",
            "KB_PROPOSALS_RATE='often' is not valid: expected text "
            "(value error, 'often' is not a rate like 5/minute)",
        ),
    ],
)
def test_each_kind_of_setting_says_what_it_expects(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(UsageError) as raised:
        load_settings(argparse.Namespace())
    assert str(raised.value).startswith(message)
    assert raised.value.status == 2


def test_an_invalid_option_is_named_as_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert capsys.readouterr().err == (
        "kb serve: --port 70000: input should be less than or equal to 65535\n"
    )


def test_folders_that_are_not_there_or_hold_no_entry_are_refused(tmp_path: Path) -> None:
    settings = Settings(content_dir=tmp_path / "content", examples_dir=tmp_path / "examples")
    with pytest.raises(UsageError, match=r"the content folder .* does not exist"):
        require_folders(settings)
    settings.content_dir.mkdir()
    with pytest.raises(UsageError, match=r"the examples folder .* does not exist"):
        require_folders(settings)
    settings.examples_dir.mkdir()
    (settings.content_dir / "README.md").write_text("not an entry")
    with pytest.raises(CliError, match="has no entries") as raised:
        require_folders(settings)
    assert raised.value.status == 1
    require_folders(settings, entries=False)  # enough for `kb new`
    (settings.content_dir / "one.md").write_text("---\n")
    require_folders(settings)
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="is not a folder"):
        require_folders(Settings(content_dir=tmp_path / "file", examples_dir=tmp_path))


def test_paths_are_shown_as_typed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert shown(tmp_path / "content" / "a.md") == "content/a.md"
    assert shown(Path("/elsewhere/a.md")) == "/elsewhere/a.md"
    assert shown(Path("relative.md")) == "relative.md"


def test_ctrl_c_ends_a_command_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.cli import index

    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(index, "index", interrupted)
    # The parser was built with the handler before the patch: build it anew.
    assert main(["index"]) == 130

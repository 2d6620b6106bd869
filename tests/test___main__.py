import argparse
import subprocess
import sys

from kb import __version__
from kb.settings import PROJECT_DIR


def test_python_dash_m_kb_is_the_kb_command() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "kb", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_DIR,
    )
    assert version.stdout == f"kb {__version__}\n"
    usage = subprocess.run(
        [sys.executable, "-m", "kb", "--help"], capture_output=True, text=True, cwd=PROJECT_DIR
    )
    assert usage.returncode == 0
    assert usage.stdout.startswith("usage: python -m kb [-h] [--version] COMMAND ...")


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(found[0].choices) if found else {}


def undocumented(parser: argparse.ArgumentParser) -> list[str]:
    return [a.dest for a in parser._actions if a.dest != "help" and not a.help]


def test_every_subcommand_has_a_description_examples_and_help_for_each_argument() -> None:
    from kb.cli import COMMANDS, build_parser

    commands = subcommands(build_parser())
    assert len(commands) == len(COMMANDS)
    for name, command in commands.items():
        assert command.description and len(command.description) > 40, name
        assert command.epilog and command.epilog.startswith("examples:\n  "), name
        assert f"kb {name}" in command.epilog, name
        assert not undocumented(command), f"kb {name}: {undocumented(command)} have no help"
        for action, sub in subcommands(command).items():
            assert sub.description, f"kb {name} {action}"
            assert not undocumented(sub), f"kb {name} {action}: {undocumented(sub)}"

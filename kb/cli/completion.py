"""``kb completion``: a shell completion script for the ``kb`` command (with shtab)."""

from __future__ import annotations

import argparse
from typing import Any

SHELLS = ("bash", "zsh", "fish")

DESCRIPTION = """\
Print a shell completion script for kb.

The script completes kb's commands, options and their values in your shell. Load it from
the shell's start-up file, or install it where the shell looks for completions."""

EPILOG = """\
examples:
  eval "$(kb completion bash)"                                  # in ~/.bashrc
  kb completion zsh > "${fpath[1]}/_kb"                         # zsh, then restart it
  kb completion fish > ~/.config/fish/completions/kb.fish       # fish"""


def register(commands: Any, directories: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    parser.set_defaults(handler=completion)


def completion(args: argparse.Namespace) -> int:
    import shtab

    from kb.cli import build_parser

    print(shtab.complete(build_parser(), shell=args.shell))
    return 0

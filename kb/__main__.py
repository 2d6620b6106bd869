"""``python -m kb``: the ``kb`` command, for when its script is not on the PATH."""

from kb.cli import main

if __name__ == "__main__":
    raise SystemExit(main(prog="python -m kb"))

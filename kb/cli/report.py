"""What ``kb check`` shows while it runs and when it is done.

While it runs: one progress line on a terminal (entries done of all, the current entry,
the time so far), rewritten in place, and nothing at all elsewhere. Everything an
example writes while its entry is checked (stdout, stderr, log records) is captured per
entry and shown only for an entry with problems, as pytest shows a failing test's output.
When done: the problems as text (``file:line:col: code message``), JSON, or GitHub
Actions annotations, and a summary with counts and the time taken.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from kb.cli.common import shown
from kb.consoles.check import Watcher
from kb.content.catalogue import Entry
from kb.content.problems import Problem

FORMATS = ("text", "json", "github")
CAPTURED_FORMAT = "%(levelname)s %(name)s: %(message)s"


@dataclass
class Checked:
    """One entry checked: its problems, how many try blocks ran, what its example wrote."""

    path: Path
    problems: list[Problem]
    try_blocks: int
    output: str


@contextlib.contextmanager
def captured() -> Iterator[io.StringIO]:
    """Everything written to stdout and stderr, and every log record that reaches the root
    logger, in the order written, into one buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter(CAPTURED_FORMAT))
    root = logging.getLogger()
    kept = root.handlers[:]
    root.handlers[:] = [handler]
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            yield buffer
    finally:
        root.handlers[:] = kept


def try_blocks_run(entry: Entry, problems: Sequence[Problem]) -> int:
    """The entry's try blocks (WebSocket blocks too) that ran: none when its example is
    missing or did not start."""
    if not entry.meta.example:
        return 0
    if any(p.code.startswith("KB5") or p.code == "KB402" for p in problems):
        return 0
    return len(entry.rendered.try_blocks) + len(entry.rendered.websocket_blocks)


class Reporter(Watcher):
    """Shows progress on ``stream`` when it is a terminal, captures each entry's output."""

    def __init__(self, stream: TextIO, *, live: bool | None = None) -> None:
        self.stream = stream
        self.live = stream.isatty() if live is None else live
        self.started = time.perf_counter()
        self.total = 0
        self.entries: list[Checked] = []
        self._output = ""
        self._shown = False

    def loading(self, done: int, total: int) -> None:
        self._status(f"reading entries {done}/{total}")

    def selected(self, entries: Sequence[Entry]) -> None:
        self.total = len(entries)

    @contextlib.contextmanager
    def checking(self, entry: Entry, number: int) -> Iterator[None]:
        self._status(f"[{number}/{self.total}]", shown(entry.source.path))
        with captured() as buffer:
            try:
                yield
            finally:
                self._output = buffer.getvalue()

    def checked(self, entry: Entry, problems: list[Problem]) -> None:
        self.entries.append(
            Checked(entry.source.path, problems, try_blocks_run(entry, problems), self._output)
        )
        self._output = ""

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def done(self) -> None:
        """Clear the progress line, so that what follows starts on a clean one."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def _status(self, text: str, detail: str = "") -> None:
        if not self.live:
            return
        elapsed = f"{self.seconds:.1f} s"
        # A line that wraps could not be rewritten in place: the detail gives way.
        room = shutil.get_terminal_size().columns - 1 - len(text) - len(elapsed) - 3
        if len(detail) > room:
            detail = "…" + detail[len(detail) - max(room, 1) + 1 :] if room > 1 else ""
        line = f"{text} {detail}  {elapsed}" if detail else f"{text}  {elapsed}"
        self.stream.write(f"\r\x1b[K{line}")
        self.stream.flush()
        self._shown = True

    def summary(self, problems: Sequence[Problem]) -> dict[str, float | int]:
        return {
            "entries": len(self.entries),
            "try_blocks": sum(checked.try_blocks for checked in self.entries),
            "problems": len(problems),
            "entries_with_problems": len({p.path for p in problems}),
            "seconds": round(self.seconds, 2),
        }

    def failing_output(self) -> dict[Path, str]:
        """What the examples of entries with problems wrote, by entry file."""
        return {
            checked.path: checked.output
            for checked in self.entries
            if checked.problems and checked.output.strip()
        }


def summary_line(summary: dict[str, float | int]) -> str:
    entries, blocks, count = summary["entries"], summary["try_blocks"], summary["problems"]
    ran = f"{blocks} try block{'s' * (blocks != 1)} run"
    took = f"{summary['seconds']:.1f} s"
    if not count:
        return f"kb check: all {_entries(entries)} pass ({ran}) in {took}"
    found = f"{count} problem{'s' * (count != 1)}"
    return f"kb check: {found} in {summary['entries_with_problems']} of {_entries(entries)} ({ran}) in {took}"


def _entries(count: float) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def as_text(problems: Sequence[Problem]) -> str:
    return "".join(f"{problem.format(Path.cwd())}\n" for problem in problems)


def captured_text(output: dict[Path, str]) -> str:
    """Each failing entry's captured output under a header, as pytest shows a test's."""
    parts = []
    for path, text in output.items():
        parts.append(f"{f' output captured while checking {shown(path)} ':-^79}\n")
        parts.append(text if text.endswith("\n") else text + "\n")
    return "".join(parts)


def as_json(
    problems: Sequence[Problem], summary: dict[str, float | int], output: dict[Path, str]
) -> str:
    data = {
        "problems": [problem.to_dict() for problem in problems],
        "summary": summary,
        "output": {str(path): text for path, text in output.items()},
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def as_github(problems: Sequence[Problem], output: dict[Path, str]) -> str:
    """GitHub Actions workflow commands: an ``::error`` annotation per problem, at its file
    and line, and each failing entry's captured output in a folded group."""
    lines = []
    for problem in problems:
        properties = ",".join(
            f"{name}={_property(str(value))}"
            for name, value in (
                ("file", shown(problem.path)),
                ("line", problem.line),
                ("col", problem.col),
                ("title", f"kb check ({problem.code})"),
            )
        )
        lines.append(f"::error {properties}::{_data(f'{problem.code} {problem.message}')}\n")
    for path, text in output.items():
        # The example's own lines are shown, never run as workflow commands.
        token = secrets.token_hex(8)
        lines.append(f"::group::output captured while checking {shown(path)}\n")
        lines.append(f"::stop-commands::{token}\n")
        lines.append(text if text.endswith("\n") else text + "\n")
        lines.append(f"::{token}::\n::endgroup::\n")
    return "".join(lines)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")

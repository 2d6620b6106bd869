"""Problems found in content or examples, reported as ``file:line:col: code message``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from rapidfuzz import process


class EntryError(Exception):
    """A problem that stops one entry from loading; carries where it is."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.format())
        self.problem = problem


@dataclass(frozen=True, order=True)
class Problem:
    path: Path
    line: int
    col: int
    code: str
    message: str

    def format(self, relative_to: Path | None = None) -> str:
        path = self.path
        if relative_to is not None and path.is_relative_to(relative_to):
            path = path.relative_to(relative_to)
        return f"{path}:{self.line}:{self.col}: {self.code} {self.message}"

    def plain(self) -> str:
        """The message as a sentence with the code after it, for people rather than tools:
        ``The front matter has no `updated` date. (KB104)``."""
        message = self.message.strip()
        if not message.endswith((".", "?", "!")):
            message += "."
        return f"{message[:1].upper()}{message[1:]} ({self.code})"

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or nothing when none is close."""
    match = process.extractOne(word, choices, score_cutoff=70) if choices else None
    return f" (did you mean {match[0]!r}?)" if match else ""

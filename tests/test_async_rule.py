"""The catalogue teaches one async rule, and no entry's prose contradicts it.

The rule: `async def` for code that does not block, `def` (or a worker thread) for blocking
I/O, a process pool for CPU-bound Python. Two contradictions crept into entries before:
advising `def` for code that waits on nothing, and putting CPU work in a thread as if
that freed the event loop. These checks read every paragraph and list item of the prose.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.settings import PROJECT_DIR

ENTRIES = sorted((PROJECT_DIR / "content").glob("*.md"))

# Code that does not block: the case the rule gives to `async def`.
NON_BLOCKING = re.compile(
    r"nothing awaitable|no `?await`?\b|no I/O|never waits|only (touches|reads) memory", re.I
)
# "write `def`", "keep them as plain `def`": advice to use `def` (never `async def`).
ADVISES_DEF = re.compile(r"\b(write|keep|use|make)\b[^.;:]{0,80}?(?<!async )(?<!`)`def`", re.I)
CPU_WORK = re.compile(r"\bCPU\b|computation", re.I)
IN_A_THREAD = re.compile(r"run_in_threadpool|to_thread|threadpool|worker thread|plain `def`")


def passages(path: Path) -> list[tuple[int, str]]:
    """Paragraphs and list items of prose, with their first line; code fences skipped."""
    found: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            line = ""
        if fenced or not line.strip() or line.lstrip().startswith(("- ", "|", "#")):
            if current:
                found.append((start, " ".join(current)))
            current = []
            if fenced or not line.strip() or not line.lstrip().startswith("- "):
                continue
        if not current:
            start = number
        current.append(line.strip())
    if current:
        found.append((start, " ".join(current)))
    return found


def contradictions(path: Path) -> list[str]:
    problems = []
    for line, text in passages(path):
        if NON_BLOCKING.search(text) and ADVISES_DEF.search(text):
            problems.append(f"{path.name}:{line}: advises `def` for code that does not block")
        if CPU_WORK.search(text) and IN_A_THREAD.search(text) and "GIL" not in text:
            problems.append(
                f"{path.name}:{line}: puts CPU work in a thread without saying what the GIL does"
            )
    return problems


@pytest.mark.parametrize("path", ENTRIES, ids=lambda path: path.stem)
def test_the_entry_agrees_with_the_async_rule(path: Path) -> None:
    assert contradictions(path) == []


@pytest.mark.parametrize(
    "text",
    [
        "- **`async def` by habit.** If you call nothing awaitable,\n  write `def`.\n",
        "Keep endpoints that do no I/O, or only call sync libraries, as plain `def`.\n",
        "A miss computes the CPU-bound count in a worker thread with `run_in_threadpool`,\n"
        "so the event loop stays free.\n",
    ],
)
def test_the_contradictions_are_recognised(tmp_path: Path, text: str) -> None:
    entry = tmp_path / "entry.md"
    entry.write_text(f"## Pitfalls\n\n{text}\n```python\nwrite `def`\n```\n", encoding="utf-8")
    assert len(contradictions(entry)) == 1


def test_the_rule_itself_passes(tmp_path: Path) -> None:
    entry = tmp_path / "entry.md"
    entry.write_text(
        "An endpoint that does no I/O is `async def`; write `async def` for it.\n\n"
        "Blocking I/O goes to a worker thread; CPU-bound Python keeps the GIL, so it goes to\n"
        "a process pool.\n",
        encoding="utf-8",
    )
    assert contradictions(entry) == []

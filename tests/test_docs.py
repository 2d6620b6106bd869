"""Docs as tests: every try block of every entry runs, in order, with its expectations.

This is the harness the whole catalogue relies on: an entry whose example no longer
answers as the entry says fails here, naming the file and line of the block.
"""

from __future__ import annotations

import pytest

from kb.consoles import console
from kb.content import catalogue as catalogue_module
from kb.sandbox import examples
from kb.settings import PROJECT_DIR

CATALOGUE = catalogue_module.load(PROJECT_DIR / "content", PROJECT_DIR / "examples")
ENTRIES_WITH_BLOCKS = [e for e in CATALOGUE.entries.values() if e.rendered.try_blocks]


def test_the_catalogue_loads_without_problems() -> None:
    problems = [problem.format(PROJECT_DIR) for problem in CATALOGUE.problems()]
    assert problems == []


@pytest.mark.parametrize("entry", ENTRIES_WITH_BLOCKS, ids=lambda entry: entry.slug)
@pytest.mark.anyio
async def test_try_blocks_answer_as_the_entry_says(entry: catalogue_module.Entry) -> None:
    assert entry.meta.example, "an entry with try blocks names its example"
    app = examples.build(CATALOGUE.examples_dir, entry.meta.example)
    running = examples.RunningApps()
    await running.start(entry.slug, app)
    try:
        outcomes = await console.run_blocks(app, entry.mount, entry.rendered.try_blocks)
    finally:
        await running.aclose()
    failures = [
        f"{entry.source.path.name}:{entry.source.line_of(o.block.line)}: "
        f"{o.block.method} {o.block.path}: {failure}"
        for o in outcomes
        for failure in o.failures
    ]
    assert failures == []

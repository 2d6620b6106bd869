"""Docs as tests: every try block of every entry runs, in order, with its expectations.

This is the harness the whole catalogue relies on: an entry whose example no longer
answers as the entry says fails here, naming the file and line of the block.
"""

from __future__ import annotations

import pytest

from kb.consoles import console
from kb.content.catalogue import Catalogue
from kb.sandbox import examples
from kb.settings import PROJECT_DIR

# Found without loading the catalogue (a session fixture does that, once): the entries
# whose Markdown has a try block fence.
SLUGS_WITH_BLOCKS = sorted(
    path.stem
    for path in (PROJECT_DIR / "content").glob("*.md")
    if "```hurl" in path.read_text(encoding="utf-8")
)


def test_the_catalogue_loads_without_problems(project_catalogue: Catalogue) -> None:
    problems = [problem.format(PROJECT_DIR) for problem in project_catalogue.problems()]
    assert problems == []


def test_every_entry_with_try_blocks_is_run_here(project_catalogue: Catalogue) -> None:
    with_blocks = [e.slug for e in project_catalogue.entries.values() if e.rendered.try_blocks]
    assert sorted(with_blocks) == SLUGS_WITH_BLOCKS


@pytest.mark.parametrize("slug", SLUGS_WITH_BLOCKS)
@pytest.mark.anyio
async def test_try_blocks_answer_as_the_entry_says(project_catalogue: Catalogue, slug: str) -> None:
    entry = project_catalogue.entries[slug]
    assert entry.meta.example, "an entry with try blocks names its example"
    app = examples.build(project_catalogue.examples_dir, entry.meta.example)
    running = examples.RunningApps()
    started = await running.start(entry.slug, app)  # with its lifespan state and .env
    try:
        outcomes = await console.run_blocks(started, entry.mount, entry.rendered.try_blocks)
    finally:
        await running.aclose()
    failures = [
        f"{entry.source.path.name}:{entry.source.line_of(o.block.line)}: "
        f"{o.block.method} {o.block.path}: {failure}"
        for o in outcomes
        for failure in o.failures
    ]
    assert failures == []

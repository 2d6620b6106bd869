"""The relevance set: what readers type, and the entries that should answer it.

``relevance.toml`` beside this file holds the queries (keywords, questions, identifiers and
error messages, typos) and their answers. The test prints top-1 and top-3 rates by kind
and fails when fewer than 90 % of the queries find an answer in their first three hits:

    .venv/bin/python -m pytest -q -s tests/search/test_relevance.py -p no:cacheprovider
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from kb.content.catalogue import Catalogue
from kb.search.engine import SearchIndex

TOP3_TARGET = 0.90
KINDS = ("keyword", "question", "identifier", "typo")


@dataclass(frozen=True)
class Case:
    kind: str
    query: str
    expect: tuple[str, ...]


def cases() -> list[Case]:
    data = tomllib.loads((Path(__file__).parent / "relevance.toml").read_text("utf-8"))
    return [Case(c["kind"], c["q"], tuple(c["expect"])) for c in data["query"]]


def test_the_set_is_large_and_balanced(project_catalogue: Catalogue) -> None:
    found = cases()
    assert len(found) >= 150
    assert len({case.query for case in found}) == len(found)
    by_kind = defaultdict(int)
    for case in found:
        assert case.kind in KINDS, case
        assert case.expect and set(case.expect) <= project_catalogue.entries.keys(), case
        by_kind[case.kind] += 1
    # A third each: keywords, questions, identifiers and error messages with the typos.
    for share in (by_kind["keyword"], by_kind["question"], by_kind["identifier"] + by_kind["typo"]):
        assert share >= len(found) / 4


def test_relevance(project_catalogue: Catalogue) -> None:
    index = SearchIndex(project_catalogue, cache_size=0, timeout_ms=0)
    top1: dict[str, list[bool]] = defaultdict(list)
    top3: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for case in cases():
        slugs = [hit.slug for hit in index.search(case.query, 3).hits]
        top1[case.kind].append(bool(slugs) and slugs[0] in case.expect)
        top3[case.kind].append(any(slug in case.expect for slug in slugs))
        if not top3[case.kind][-1]:
            misses.append(
                f"  {case.kind:<10} {case.query!r}: got {slugs}, want {list(case.expect)}"
            )

    def rate(values: list[bool]) -> float:
        return sum(values) / len(values)

    lines = [f"{'kind':<11} {'queries':>7} {'top-1':>7} {'top-3':>7}"]
    for kind in KINDS:
        lines.append(
            f"{kind:<11} {len(top1[kind]):>7} {rate(top1[kind]):>7.1%} {rate(top3[kind]):>7.1%}"
        )
    every1 = [v for values in top1.values() for v in values]
    every3 = [v for values in top3.values() for v in values]
    lines.append(f"{'all':<11} {len(every1):>7} {rate(every1):>7.1%} {rate(every3):>7.1%}")
    report = "\n".join([*lines, "misses (no answer in the first three):", *misses])
    print("\n" + report)
    assert rate(every3) >= TOP3_TARGET, report


@pytest.mark.parametrize(
    "query",
    [
        "organize routes into multiple files",
        "422 unprocessable entity",
        "PUT vs PATCH",
        "what is the difference between A and B",
        "why is my endpoint slow",
    ],
)
def test_questions_and_phrases_that_share_words_never_find_nothing(
    project_catalogue: Catalogue, query: str
) -> None:
    assert SearchIndex(project_catalogue, timeout_ms=0).search(query).hits

"""Search at scale: 10,000 synthetic entries, cold build, restart, and query latency.

Run from the repository root (after `make install`):

    .venv/bin/python bench/search_bench.py            # 10,000 entries
    .venv/bin/python bench/search_bench.py --entries 2000 --queries 100

It prints the index build time, the restart time with unchanged content, and p50/p99
latency per query kind. Nothing here asserts a timing; BENCHMARKS.md records the figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from kb.content import catalogue
from kb.content.rendercache import RenderCache
from kb.search.engine import SearchIndex
from kb.settings import PROJECT_DIR

SECTIONS = [
    ("Core Patterns", "Route Organization"),
    ("Database Integration", "SQLAlchemy Patterns"),
    ("Authentication & Security", "JWT Implementation"),
    ("API Design Principles", "RESTful Design"),
    ("Testing Strategies", "Unit Testing"),
    ("Best Practices", "Performance"),
]
TECHNICAL = [
    "pagination",
    "cursor",
    "offset",
    "limit",
    "dependency",
    "injection",
    "session",
    "commit",
    "rollback",
    "transaction",
    "token",
    "refresh",
    "expiry",
    "middleware",
    "logging",
    "metrics",
    "router",
    "endpoint",
    "validation",
    "schema",
    "model",
    "response",
    "request",
    "header",
    "cookie",
    "query",
    "path",
    "body",
    "status",
    "cache",
    "etag",
    "database",
    "index",
    "engine",
    "pool",
    "async",
    "await",
    "thread",
    "fixture",
    "mock",
    "override",
    "coverage",
    "openapi",
    "swagger",
    "docs",
    "cors",
    "https",
    "rate",
    "limit",
    "retry",
    "timeout",
    "error",
    "exception",
    "handler",
    "migration",
    "alembic",
    "relationship",
    "join",
]
IDENTIFIERS = [
    "response_model",
    "Depends",
    "HTTPException",
    "OAuth2PasswordBearer",
    "APIRouter",
    "BaseModel",
    "selectinload",
    "AsyncSession",
    "dependency_overrides",
    "status_code",
]
QUERIES = {
    "word": ["pagination", "middleware", "session", "token", "alembic", "fixture", "coverage"],
    "prefix": ["pag", "mid", "ses", "tok", "ale", "fix", "cov"],
    "multi-word": [
        "jwt refresh token",
        "database session commit",
        "response model validation",
        "rate limit header",
        "async database engine",
    ],
    "typo": ["pagniation", "dependancy", "authentification", "middlware", "transacton"],
    "no-hit": ["xylophone quartz", "qqqzzz", "nonexistentword"],
}


class Vocabulary:
    """Words with the frequencies they have in the real catalogue, to sample prose from."""

    def __init__(self, counts: dict[str, int], exclude: set[str]) -> None:
        # Technical words are left out of the background prose: they appear only where an
        # entry is about them (its topics) or mentions them in passing, as in a real
        # catalogue, so that a query's document frequency is realistic rather than ~100%.
        self.words = [
            w
            for w, _ in sorted(counts.items(), key=lambda item: -item[1])
            if w.isalpha() and not any(w.startswith(x[:4]) for x in exclude)
        ]
        total = 0
        self.cumulative = []
        for word in self.words:
            total += counts[word]
            self.cumulative.append(total)

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


def synthetic_entry(number: int, rng: random.Random, vocabulary: Vocabulary) -> str:
    """About 800 words with a code block: prose sampled with the real catalogue's word
    frequencies, a few topic words repeated, code spans with real identifiers."""
    section, group = SECTIONS[number % len(SECTIONS)]
    topics = rng.sample(TECHNICAL, 3)
    tags = sorted(set(rng.sample(TECHNICAL, 2) + topics[:1]))
    lines = [
        "---",
        f"title: {topics[0].capitalize()} {topics[1]} pattern {number}",
        f"summary: How to use {topics[0]} with {topics[1]} and {topics[2]}, example {number}.",
        f"section: {section}",
        f"group: {group}",
        f"tags: [{', '.join(tags)}]",
        "updated: 2026-11-26",
        "---",
        "",
    ]
    for heading in range(6):
        lines.append(
            f"## {rng.choice(topics).capitalize()} {vocabulary.sample(rng, 1)[0]} {heading}"
        )
        lines.append("")
        prose = vocabulary.sample(rng, 125)
        for position in range(0, len(prose), 25):
            prose[position] = rng.choice(topics)
        prose[rng.randrange(len(prose))] = rng.choice(TECHNICAL)  # a mention in passing
        if rng.random() < 0.5:
            prose[rng.randrange(len(prose))] = f"`{rng.choice(IDENTIFIERS)}`"
        lines.append(" ".join(prose) + ".")
        lines.append("")
        if heading == 2:
            lines += [
                "```python",
                f"def {topics[0]}_handler_{number}(request, {rng.choice(IDENTIFIERS).lower()}):",
                f"    return {{'{topics[1]}': {number}}}",
                "```",
                "",
            ]
    return "\n".join(lines)


def progress_bar(label: str):  # type: ignore[no-untyped-def]
    started = time.perf_counter()

    def report(done: int, total: int) -> None:
        if done == total or done % max(1, total // 50) == 0:
            filled = int(30 * done / total)
            elapsed = time.perf_counter() - started
            bar = "#" * filled + "." * (30 - filled)
            print(f"\r{label} [{bar}] {done}/{total} {elapsed:5.1f} s", end="", file=sys.stderr)
            if done == total:
                print(file=sys.stderr)

    return report


def build(
    content: Path, examples: Path, cache_dir: Path, label: str
) -> tuple[SearchIndex, float, float]:
    started = time.perf_counter()
    cache = RenderCache(cache_dir / "renders.db")
    loaded = catalogue.load(content, examples, cache, progress=progress_bar(label))
    loaded_at = time.perf_counter()
    # No result cache: every query below is answered from the index, as a first search is.
    index = SearchIndex(loaded, cache_dir=cache_dir, timeout_ms=0, cache_size=0)
    done = time.perf_counter()
    return index, loaded_at - started, done - loaded_at


def measure(index: SearchIndex, queries: list[str], runs: int, **options: object) -> str:
    timings = []
    for run in range(runs):
        started = time.perf_counter()
        index.search(queries[run % len(queries)], 20, **options)  # type: ignore[arg-type]
        timings.append((time.perf_counter() - started) * 1000)
    return (
        f"{statistics.median(timings):>6.2f} {percentile(timings, 0.99):>7.2f} {max(timings):>7.2f}"
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300, help="runs per query kind")
    args = parser.parse_args()

    rng = random.Random(42)
    real = catalogue.load(PROJECT_DIR / "content", PROJECT_DIR / "examples")
    query_words = {w for queries in QUERIES.values() for q in queries for w in q.split()}
    vocabulary = Vocabulary(SearchIndex(real).vocabulary.counts, {*TECHNICAL, *query_words})

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        content, examples, cache_dir = root / "content", root / "examples", root / "cache"
        content.mkdir()
        examples.mkdir()
        (content / "_synonyms.yaml").write_bytes(
            (PROJECT_DIR / "content/_synonyms.yaml").read_bytes()
        )
        started = time.perf_counter()
        for number in range(args.entries):
            (content / f"entry-{number}.md").write_text(synthetic_entry(number, rng, vocabulary))
        size = sum(p.stat().st_size for p in content.iterdir()) / 1e6
        print(
            f"corpus: {args.entries} entries, {size:.1f} MB, written in {time.perf_counter() - started:.1f} s"
        )

        index, load_s, index_s = build(content, examples, cache_dir, "cold build ")
        print(
            f"cold build: {load_s + index_s:.1f} s (render and check {load_s:.1f} s, index {index_s:.1f} s)"
        )
        index, load_s, index_s = build(content, examples, cache_dir, "restart    ")
        print(
            f"restart with unchanged content: {load_s + index_s:.2f} s "
            f"(load {load_s:.2f} s, index from cache {index_s:.2f} s, reused: {index.loaded_from_cache})"
        )

        print(f"\n{'kind':<11} {'hits':>6}  {'as you type (ms)':>22}  {'full page (ms)':>22}")
        print(
            f"{'':<11} {'':>6}  {'p50':>6} {'p99':>7} {'max':>7}  {'p50':>6} {'p99':>7} {'max':>7}"
        )
        for kind, queries in QUERIES.items():
            typing = measure(index, queries, args.queries, facets=False, deep_links=5)
            full = measure(index, queries, args.queries, facets=True, deep_links=20)
            first = index.search(queries[0], 20)
            hits = f"{first.total}" + ("*" if first.corrected else "")
            print(f"{kind:<11} {hits:>6}  {typing}  {full}")
        print("\nhits: matches for the first query of each kind (* after typo correction)")


if __name__ == "__main__":
    main()

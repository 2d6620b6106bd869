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

from kb import catalogue
from kb.search import SearchIndex
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


def synthetic_entry(number: int, rng: random.Random, words: list[str]) -> str:
    section, group = SECTIONS[number % len(SECTIONS)]
    topic = " ".join(rng.choice(TECHNICAL).capitalize() for _ in range(2))
    tags = sorted({rng.choice(TECHNICAL) for _ in range(3)})
    lines = [
        "---",
        f"title: {topic} pattern {number}",
        f"summary: How to use {rng.choice(TECHNICAL)} with {rng.choice(TECHNICAL)} in entry {number}.",
        f"section: {section}",
        f"group: {group}",
        f"tags: [{', '.join(tags)}]",
        "updated: 2026-11-26",
        "---",
        "",
    ]
    for heading in range(6):
        lines.append(f"## {rng.choice(TECHNICAL).capitalize()} {rng.choice(TECHNICAL)} {heading}")
        lines.append("")
        sentence = []
        for _ in range(125):
            word = rng.choice(words) if rng.random() < 0.7 else rng.choice(TECHNICAL)
            if rng.random() < 0.02:
                word = f"`{rng.choice(IDENTIFIERS)}`"
            sentence.append(word)
        lines.append(" ".join(sentence) + ".")
        lines.append("")
        if heading == 2:
            lines += [
                "```python",
                f"def handler_{number}(request, {rng.choice(IDENTIFIERS).lower()}):",
                f"    return {{'{rng.choice(TECHNICAL)}': {number}}}",
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
    cache = catalogue.RenderCache(cache_dir / "renders.db")
    loaded = catalogue.load(content, examples, cache, progress=progress_bar(label))
    loaded_at = time.perf_counter()
    index = SearchIndex(loaded, cache_dir=cache_dir, timeout_ms=0)
    done = time.perf_counter()
    return index, loaded_at - started, done - loaded_at


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
    words = sorted(SearchIndex(real).vocabulary.counts)

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
            (content / f"entry-{number}.md").write_text(synthetic_entry(number, rng, words))
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

        print(
            f"\n{'kind':<12} {'queries':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  hits (first query)"
        )
        for kind, queries in QUERIES.items():
            timings = []
            for run in range(args.queries):
                text = queries[run % len(queries)]
                started = time.perf_counter()
                results = index.search(text, 20)
                timings.append((time.perf_counter() - started) * 1000)
            first = index.search(queries[0], 20)
            shown = f"{first.total}" + (f" (as '{first.corrected}')" if first.corrected else "")
            print(
                f"{kind:<12} {len(timings):>8} {statistics.median(timings):>8.2f} "
                f"{percentile(timings, 0.99):>8.2f} {max(timings):>8.2f}  {shown}"
            )
            del results


if __name__ == "__main__":
    main()

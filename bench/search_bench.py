"""Search at scale: 10,000 synthetic entries, cold build, restart, and query latency over HTTP.

Run from the repository root (after `make install`):

    .venv/bin/python bench/search_bench.py            # 10,000 entries, 200 queries a kind
    .venv/bin/python bench/search_bench.py --entries 2000 --queries 50

It prints the index build time and the restart time with unchanged content; then it serves
the corpus with `kb serve` and the answer cache off (KB_SEARCH_CACHE=false) and asks
/api/search (facets, deep links for 20 hits) and the search box's fragment (/search with
HX-Request) each distinct query once, reporting p50/p99 per query kind: words, prefixes
(broad ones: every two-letter prefix, and `term1`… that start a thousand words of the
synthetic corpus), questions and typos. Last, with a second server whose cache is on, the
same queries asked twice: the second answer comes from the cache. Nothing here asserts a
timing; BENCHMARKS.md records the figures.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

from kb.content import catalogue
from kb.content.rendercache import RenderCache
from kb.search.engine import SearchIndex
from kb.settings import PROJECT_DIR

KB = PROJECT_DIR / ".venv" / "bin" / "kb"

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
QUESTIONS = [
    "how do I {a} with {b}",
    "what is the difference between {a} and {b}",
    "why is my {a} slow",
    "how to use {a} for {b} in fastapi",
    "where should the {a} {b} go",
]
NO_HIT = ["xylophone quartz", "qqqzzz", "nonexistentword"]


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
    frequencies, a few topic words repeated, code spans with real identifiers, and
    names from term0 to term9999."""
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
        # Names such as term4711, ten thousand of them: `term1` starts a thousand words,
        # the kind of broad prefix a catalogue of codes, versions or ids has.
        for _ in range(3):
            prose[rng.randrange(len(prose))] = f"term{rng.randrange(10_000)}"
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


def typo(word: str, rng: random.Random) -> str:
    """One slip of the hand: a letter dropped, doubled, or two swapped."""
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:at] + word[at + 1 :]
    if kind == 1:
        return word[:at] + word[at] + word[at:]
    return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]


def query_sets(rng: random.Random, known: set[str], per_kind: int) -> dict[str, list[str]]:
    """Distinct queries of each kind: each is asked once, so no cache can answer it."""
    technical = sorted(set(TECHNICAL))
    pairs = [f"{a} {b}" for a, b in itertools.permutations(technical, 2)]
    words = technical + rng.sample(pairs, len(pairs))
    two_letters = sorted({w[:2] for w in known if len(w) > 3 and w.isalpha()})
    broad = [f"term{n}" for n in range(1, 10)] + [f"term{n}" for n in range(10, 100)]
    three_letters = sorted({w[:3] for w in technical})
    prefixes = broad[:9] + two_letters + three_letters + broad[9:]
    questions = [
        template.format(a=a, b=b)
        for (a, b), template in zip(
            rng.sample(list(itertools.permutations(technical, 2)), per_kind * 2),
            itertools.cycle(QUESTIONS),
        )
    ]
    typos: list[str] = []
    for word in itertools.cycle(w for w in technical if len(w) >= 5):
        slip = typo(word, rng)
        if slip not in known and slip not in typos:
            typos.append(slip)
        if len(typos) >= per_kind:
            break
    kinds = {"word": words, "prefix": prefixes, "question": questions, "typo": typos}
    return {kind: list(dict.fromkeys(queries))[:per_kind] for kind, queries in kinds.items()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(content: Path, examples: Path, cache_dir: Path, *, cache: bool) -> Iterator[str]:
    """``kb serve`` on the corpus, as a reader would reach it; its URL while it runs."""
    port = free_port()
    env = {
        **os.environ,
        "KB_CONTENT_DIR": str(content),
        "KB_EXAMPLES_DIR": str(examples),
        "KB_CACHE_DIR": str(cache_dir),
        "KB_SEARCH_CACHE": "true" if cache else "false",
        "KB_RATE_LIMIT_SEARCH": "0",
    }
    server = subprocess.Popen(
        [str(KB), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx2.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("kb serve did not start")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def ask(client: httpx2.Client, query: str, typing: bool) -> float:
    """Milliseconds from sending one search to its whole answer."""
    started = time.perf_counter()
    if typing:
        response = client.get("/search", params={"q": query}, headers={"HX-Request": "true"})
    else:
        response = client.get("/api/search", params={"q": query})
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


def cpu(index: SearchIndex, query: str, **options: object) -> float:
    """CPU milliseconds the engine spends on one search."""
    started = time.process_time()
    index.search(query, 20, **options)  # type: ignore[arg-type]
    return (time.process_time() - started) * 1000


def figures(timings: list[float]) -> str:
    return (
        f"{statistics.median(timings):>6.1f} {percentile(timings, 0.99):>7.1f} {max(timings):>7.1f}"
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def header(title: str) -> None:
    # Other processes on the machine slow every figure: say how busy it was.
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{title} (load average {load} on {os.cpu_count()} cores)")
    print(f"{'kind':<9} {'queries':>7}  {'as you type (ms)':>22}  {'/api/search (ms)':>22}")
    print(f"{'':<9} {'':>7}  {'p50':>6} {'p99':>7} {'max':>7}  {'p50':>6} {'p99':>7} {'max':>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200, help="distinct queries per kind")
    args = parser.parse_args()

    rng = random.Random(42)
    real = catalogue.load(PROJECT_DIR / "content", PROJECT_DIR / "examples")
    vocabulary = Vocabulary(SearchIndex(real).vocabulary.counts, set(TECHNICAL))

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
        queries = query_sets(rng, set(index.vocabulary.counts), args.queries)
        examples_of = {kind: ", ".join(f"`{q}`" for q in qs[:3]) for kind, qs in queries.items()}
        for kind, text in examples_of.items():
            first = index.search(queries[kind][0], 20)
            print(
                f"{kind:<9} e.g. {text}; first finds {first.total}"
                + (f" (relaxed, {first.complete} with every word)" if first.relaxed else "")
            )
        # The engine's own cost, in CPU time: what a query costs the server however busy
        # the machine is (wall-clock figures below also hold the time spent waiting for a
        # core while other processes run).
        for warm in ["the", "th"]:
            index.search(warm, 20)
        header("engine CPU time in process, answer cache off (time.process_time)")
        for kind, asked in queries.items():
            typing = [cpu(index, q, facets=False, deep_links=5) for q in asked]
            full = [cpu(index, q, facets=True, deep_links=20) for q in asked]
            print(f"{kind:<9} {len(asked):>7}  {figures(typing)}  {figures(full)}")
        del index

        with (
            serve(content, examples, cache_dir, cache=False) as url,
            httpx2.Client(base_url=url, timeout=30) as client,
        ):
            # The first requests pay for imports, templates and the facet values: a
            # reader's first search after a start, not what this measures.
            for warm in [*NO_HIT, "the", "th"]:
                ask(client, warm, typing=True)
                ask(client, warm, typing=False)
            header("answer cache off (KB_SEARCH_CACHE=false): each distinct query asked once")
            for kind, asked in queries.items():
                typing = [ask(client, q, typing=True) for q in asked]
                full = [ask(client, q, typing=False) for q in asked]
                print(f"{kind:<9} {len(asked):>7}  {figures(typing)}  {figures(full)}")

        with (
            serve(content, examples, cache_dir, cache=True) as url,
            httpx2.Client(base_url=url, timeout=30) as client,
        ):
            for warm in [*NO_HIT, "the", "th"]:
                ask(client, warm, typing=True)
                ask(client, warm, typing=False)
            header("answer cache on: each query asked twice, the second answer timed")
            for kind, asked in queries.items():
                for q in asked:
                    ask(client, q, typing=True)
                    ask(client, q, typing=False)
                typing = [ask(client, q, typing=True) for q in asked]
                full = [ask(client, q, typing=False) for q in asked]
                print(f"{kind:<9} {len(asked):>7}  {figures(typing)}  {figures(full)}")


if __name__ == "__main__":
    main()

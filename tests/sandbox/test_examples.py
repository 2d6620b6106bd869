import sys
import threading
import types
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from kb.content import sources
from kb.sandbox import examples
from kb.settings import PROJECT_DIR, Settings


def test_build_imports_and_calls_create_app(site_settings: Settings) -> None:
    app = examples.build(site_settings.examples_dir, "greeter")
    assert isinstance(app, FastAPI)
    assert app.title == "Greeter"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (None, "no example 'ghost'"),
        ("import nowhere_to_be_found\n", "failed to import: "),
        ("def create_app(:\n", "failed to import: "),
        ("x = 1\n", "has no create_app() function"),
        ("def create_app():\n    raise ValueError('no')\n", "create_app() failed: "),
        ("def create_app():\n    return 42\n", "returned int, not a FastAPI app"),
    ],
)
def test_build_errors_say_which_example_and_why(
    tmp_path: Path, source: str | None, message: str
) -> None:
    if source is not None:
        (tmp_path / "ghost.py").write_text(source)
    with pytest.raises(
        examples.ExampleError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        examples.build(tmp_path, "ghost")


def test_import_errors_point_at_the_example_line(tmp_path: Path) -> None:
    (tmp_path / "ghost.py").write_text("x = 1\nraise RuntimeError('line two')\n")
    with pytest.raises(examples.ExampleError, match=r"ghost\.py:2: RuntimeError: line two"):
        examples.build(tmp_path, "ghost")


def test_a_rebuilt_example_sees_edits(tmp_path: Path) -> None:
    path = tmp_path / "live.py"
    path.write_text(
        "from fastapi import FastAPI\ndef create_app():\n    return FastAPI(title='one')\n"
    )
    assert examples.build(tmp_path, "live").title == "one"
    path.write_text(
        "from fastapi import FastAPI\ndef create_app():\n    return FastAPI(title='two')\n"
    )
    examples.forget("live")
    assert examples.build(tmp_path, "live").title == "two"


@pytest.mark.anyio
async def test_running_apps_enter_and_exit_each_lifespan(site_settings: Settings) -> None:
    running = examples.RunningApps()
    first = await running.start("a", examples.build(site_settings.examples_dir, "greeter"))
    second = await running.start("b", examples.build(site_settings.examples_dir, "greeter"))
    assert first.state.started and second.state.started
    assert first.state.names is not second.state.names  # no state shared between instances
    await running.stop("a")
    assert not first.state.started and second.state.started
    assert running.get("a") is None and len(running) == 1
    await running.aclose()
    assert not second.state.started


@pytest.mark.anyio
async def test_a_failing_lifespan_is_an_example_error(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n"
        "@asynccontextmanager\nasync def lifespan(app):\n    raise OSError('no disk')\n    yield\n"
        "def create_app():\n    return FastAPI(lifespan=lifespan)\n"
    )
    running = examples.RunningApps()
    with pytest.raises(examples.ExampleError, match="no disk"):
        await running.start("bad", examples.build(tmp_path, "bad"))
    assert len(running) == 0


@pytest.mark.parametrize("name", sources.available(PROJECT_DIR / "examples"), ids=lambda name: name)
@pytest.mark.anyio
async def test_every_catalogue_example_builds_documents_and_starts(name: str) -> None:
    app = examples.build(PROJECT_DIR / "examples", name)
    schema = app.openapi()
    assert schema["paths"], f"examples/{name} has no endpoints"
    running = examples.RunningApps()
    await running.start(name, app)
    await running.aclose()


@pytest.fixture
def fast_thread_switching() -> Iterator[None]:
    """Threads take turns every microsecond: a race between them shows within a few runs."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("fast_thread_switching")
def test_examples_built_in_two_threads_at_once_keep_the_warning_filters(
    site_settings: Settings,
) -> None:
    # FastAPI silences a Pydantic warning about every aliased parameter with
    # warnings.catch_warnings(), which swaps the process-wide filter list. Two builds at
    # once restore each other's lists: one build then sees the warning as an error (under
    # filterwarnings = error) and an "ignore" filter outlives both. The KB's builds take
    # turns, so neither happens.
    failures: list[str] = []

    def build() -> None:
        try:
            examples.build(site_settings.examples_dir, "greeter")
        except examples.ExampleError as exc:
            failures.append(str(exc))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = list(warnings.filters)
        for _ in range(100):
            threads = [threading.Thread(target=build) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert failures == [] and warnings.filters == expected


@pytest.mark.usefixtures("fast_thread_switching")
def test_forgetting_examples_while_another_thread_imports(tmp_path: Path) -> None:
    # Another thread's imports add to sys.modules while forget() looks through it.
    stop = threading.Event()

    def import_and_drop() -> None:
        while not stop.is_set():
            for n in range(50):
                sys.modules[f"kb_test_churn_{n}"] = types.ModuleType("churn")
            for n in range(50):
                sys.modules.pop(f"kb_test_churn_{n}", None)

    churn = threading.Thread(target=import_and_drop)
    churn.start()
    try:
        for _ in range(2000):
            examples.forget(None)
    finally:
        stop.set()
        churn.join()

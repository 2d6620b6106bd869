import sys
import threading
import types
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx2
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
        ("x = 1\n", "has neither a module-level app = FastAPI(...) nor a create_app() function"),
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
    assert examples.build(tmp_path, "live").title == "two"  # every build imports afresh


@pytest.mark.anyio
async def test_running_apps_enter_and_exit_each_lifespan(site_settings: Settings) -> None:
    running = examples.RunningApps()
    first = await running.start("a", examples.build(site_settings.examples_dir, "greeter"))
    second = await running.start("b", examples.build(site_settings.examples_dir, "greeter"))
    assert first.app.state.started and second.app.state.started
    assert first.app.state.names is not second.app.state.names  # no state shared between instances
    await running.stop("a")
    assert not first.app.state.started and second.app.state.started
    assert running.get("a") is None and len(running) == 1
    await running.aclose()
    assert not second.app.state.started


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
            examples.forget(examples.PACKAGE)
    finally:
        stop.set()
        churn.join()


MODULE_LEVEL_APP = """
from contextlib import asynccontextmanager

from fastapi import FastAPI

items: list[str] = []  # module-level state, as tutorials keep it
events: list[str] = []


@asynccontextmanager
async def lifespan(app: FastAPI):
    events.append("started")
    yield {"greeting": "hello"}
    events.append("stopped")


app = FastAPI(lifespan=lifespan)


@app.post("/items/{name}", status_code=201)
async def add(name: str) -> list[str]:
    items.append(name)
    return items


@app.get("/greeting")
async def greeting(request: Request) -> dict[str, object]:
    return {"greeting": request.state.greeting, "reader": hasattr(request.state, "reader")}
""".replace("from fastapi import FastAPI", "from fastapi import FastAPI, Request")


async def call(app: object, method: str, path: str) -> tuple[int, object]:
    transport = httpx2.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx2.AsyncClient(transport=transport, base_url="http://x") as client:
        response = await client.request(method, path)
    return response.status_code, response.json()


@pytest.mark.anyio
async def test_a_module_level_app_runs_as_written_each_copy_with_its_own_state(
    tmp_path: Path,
) -> None:
    (tmp_path / "tutorial.py").write_text(MODULE_LEVEL_APP)
    running = examples.RunningApps()
    ann = await running.start("ann", examples.build(tmp_path, "tutorial"))
    bob = await running.start("bob", examples.build(tmp_path, "tutorial"))
    assert ann.app is not bob.app
    assert await call(ann, "POST", "/items/apple") == (201, ["apple"])
    assert await call(bob, "POST", "/items/pear") == (201, ["pear"])  # not ann's list
    await running.stop("ann")  # ann's lifespan ends; bob's app goes on
    assert await call(bob, "POST", "/items/plum") == (201, ["pear", "plum"])
    await running.aclose()


@pytest.mark.anyio
async def test_lifespan_state_reaches_request_state_and_the_kbs_never_does(
    tmp_path: Path,
) -> None:
    (tmp_path / "tutorial.py").write_text(MODULE_LEVEL_APP)
    running = examples.RunningApps()
    app = await running.start("ann", examples.build(tmp_path, "tutorial"))
    assert app.lifespan_state == {"greeting": "hello"}
    assert await call(app, "GET", "/greeting") == (200, {"greeting": "hello", "reader": False})
    await running.aclose()


def test_a_package_with_relative_imports_gets_a_fresh_copy_of_every_module(
    tmp_path: Path,
) -> None:
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("from .main import app\n")
    (package / "store.py").write_text("orders: list[int] = []\n")
    (package / "main.py").write_text(
        "from fastapi import FastAPI\nfrom . import store\napp = FastAPI()\n"
    )
    first, second = examples.build(tmp_path, "shop"), examples.build(tmp_path, "shop")
    store_of = [sys.modules[f"{examples.namespace_of(app)}.shop.store"] for app in (first, second)]
    assert store_of[0] is not store_of[1]
    store_of[0].orders.append(1)
    assert store_of[1].orders == []


def test_an_absolute_import_of_the_examples_own_file_is_refused_with_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "shared_state.py").write_text("orders: list[int] = []\n")
    (tmp_path / "bad.py").write_text(
        "from fastapi import FastAPI\nimport shop.shared_state\napp = FastAPI()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))  # as a project root on sys.path would be
    with pytest.raises(examples.ExampleError, match=r"by an absolute name.*relatively"):
        examples.build(tmp_path, "bad")
    for name in ("shop", "shop.shared_state"):
        sys.modules.pop(name, None)


def test_an_unresolvable_import_says_how_to_port_it(tmp_path: Path) -> None:
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from fastapi import FastAPI\nimport models\napp = FastAPI()\n"
    )
    (package / "models.py").write_text("")
    with pytest.raises(examples.ExampleError, match=r"No module named 'models'.*relatively"):
        examples.build(tmp_path, "shop")


@pytest.mark.anyio
async def test_a_stopped_app_leaves_no_modules_behind(tmp_path: Path) -> None:
    (tmp_path / "tutorial.py").write_text(MODULE_LEVEL_APP)
    running = examples.RunningApps()
    app = examples.build(tmp_path, "tutorial")
    namespace = examples.namespace_of(app)
    await running.start("ann", app)
    assert f"{namespace}.tutorial" in sys.modules
    await running.aclose()
    assert not [name for name in sys.modules if name.startswith(namespace)]

from pathlib import Path

import pytest

from kb.consoles import check as check_module
from kb.consoles.check import check, check_text
from kb.content import catalogue
from kb.content.catalogue import Catalogue
from kb.content.problems import Problem
from kb.settings import Settings
from tests.sandbox.test_databases import StandIn

pytestmark = pytest.mark.anyio


def codes(problems: list[Problem]) -> list[tuple[str, int, str]]:
    return [(problem.path.name, problem.line, problem.code) for problem in problems]


def break_second_block(settings: Settings) -> None:
    path = settings.content_dir / "greeting.md"
    path.write_text(path.read_text().replace("HTTP 409", "HTTP 200"))


def add_to_example(settings: Settings, source: str) -> None:
    # Added at the end: the entry's include of the example's code still finds its symbol,
    # and a create_app() defined here replaces the example's own.
    path = settings.examples_dir / "greeter.py"
    path.write_text(path.read_text() + "\n" + source)


async def test_a_clean_site_has_no_problems(site_settings: Settings) -> None:
    assert await check(site_settings) == []


async def test_a_try_block_that_no_longer_holds_is_reported_at_its_line(
    site_settings: Settings,
) -> None:
    break_second_block(site_settings)
    [problem] = await check(site_settings)
    assert (problem.path, problem.line, problem.code) == (
        site_settings.content_dir / "greeting.md",
        30,
        "KB601",
    )
    assert problem.message == (
        'try block 2 (POST /names): expected HTTP 200, got 409: {"detail":"alice is already here"}'
    )


async def test_paths_choose_entries_by_file_folder_or_example(site_settings: Settings) -> None:
    (site_settings.content_dir / "broken.md").write_text("nothing\n")
    break_second_block(site_settings)
    content = site_settings.content_dir
    assert await check(site_settings, [content / "farewell.md"]) == []
    assert codes(await check(site_settings, [content / "broken.md"])) == [("broken.md", 1, "KB102")]
    # The example's file chooses the entries that use it.
    assert codes(await check(site_settings, [site_settings.examples_dir / "greeter.py"])) == [
        ("greeting.md", 30, "KB601")
    ]
    assert codes(await check(site_settings, [content])) == [
        ("broken.md", 1, "KB102"),
        ("greeting.md", 30, "KB601"),
    ]


@pytest.mark.parametrize(
    ("source", "code", "message"),
    [
        (
            "import not_a_module_anywhere\n",
            "KB501",
            "examples/greeter failed to import: ",
        ),
        (
            "from fastapi import FastAPI\n"
            "def create_app():\n"
            "    app = FastAPI()\n"
            "    def no_schema():\n"
            "        raise RuntimeError('no schema')\n"
            "    app.openapi = no_schema\n"
            "    return app\n",
            "KB502",
            "OpenAPI does not build: RuntimeError('no schema')",
        ),
        (
            "from contextlib import asynccontextmanager\n"
            "from fastapi import FastAPI\n"
            "@asynccontextmanager\n"
            "async def lifespan(app):\n"
            "    raise OSError('no disk')\n"
            "    yield\n"
            "def create_app():\n"
            "    return FastAPI(lifespan=lifespan)\n",
            "KB503",
            "the lifespan failed to start: OSError('no disk')",
        ),
    ],
    ids=["import", "openapi", "lifespan"],
)
async def test_an_example_that_cannot_run_is_reported_at_the_entrys_example_line(
    site_settings: Settings, source: str, code: str, message: str
) -> None:
    add_to_example(site_settings, source)
    [problem] = await check(site_settings)
    assert (problem.path.name, problem.line, problem.code) == ("greeting.md", 7, code)
    assert message in problem.message


async def test_an_import_error_points_at_the_examples_line(site_settings: Settings) -> None:
    example = site_settings.examples_dir / "greeter.py"
    example.write_text("x = 1\nimport not_a_module_anywhere\n" + example.read_text())
    [problem] = await check(site_settings)
    assert "greeter.py:2: ModuleNotFoundError" in problem.message
    assert problem.code == "KB501"


@pytest.fixture
def site_catalogue(site_settings: Settings) -> Catalogue:
    return catalogue.load(site_settings.content_dir, site_settings.examples_dir)


def farewell_text(settings: Settings) -> str:
    return (settings.content_dir / "farewell.md").read_text()


def test_text_is_checked_as_if_it_were_in_the_catalogue(
    site_catalogue: Catalogue, site_settings: Settings
) -> None:
    text = farewell_text(site_settings).replace(
        "## Saying goodbye", "## Saying goodbye\n\nSee [below](/patterns/see-you#saying-goodbye)."
    )
    result = check_text(site_catalogue, "see-you", text)
    assert result.problems == [] and result.entry is not None
    assert result.entry.slug == "see-you" and "see-you" not in site_catalogue.entries


@pytest.mark.parametrize(
    ("slug", "edit", "code"),
    [
        ("See You", lambda text: text, "KB100"),
        ("see-you", lambda text: "no front matter\n" + text, "KB102"),
        (
            "see-you",
            lambda text: text.replace("related: [greeting]", "related: [greting]"),
            "KB401",
        ),
        ("see-you", lambda text: text.replace("tags: [fixture]", "example: nowhere"), "KB402"),
        ("see-you", lambda text: text + "\n[gone](/patterns/greeting#nowhere)\n", "KB404"),
    ],
    ids=["slug", "front-matter", "related", "example", "anchor"],
)
def test_text_problems_are_found_without_running_anything(
    site_catalogue: Catalogue, site_settings: Settings, slug: str, edit: object, code: str
) -> None:
    result = check_text(site_catalogue, slug, edit(farewell_text(site_settings)))  # type: ignore[operator]
    assert [problem.code for problem in result.problems] == [code]


async def test_with_a_database_server_an_example_that_reads_database_url_gets_a_schema(
    site_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = StandIn()
    monkeypatch.setattr(check_module, "ExampleDatabases", lambda url: server)
    (site_settings.examples_dir / "greeter.env").write_text("DATABASE_URL=\n")
    settings = site_settings.model_copy(
        update={"examples_database_url": "postgresql+psycopg://kb@db/kb"}
    )
    assert await check(settings) == []
    # One schema for the one example that declares DATABASE_URL, dropped once it is checked.
    assert len(server.made) == 1 and server.dropped == server.made


def test_hurl_syntax_the_kb_does_not_run_is_a_problem_at_its_line(
    project_catalogue: Catalogue,
) -> None:
    text = (
        "---\ntitle: Redirects\nsummary: Following a redirect, as a try block may not.\n"
        "section: Core Patterns\ngroup: Route Organization\nexample: query_parameters\n"
        "related: [query-parameters, pagination]\nupdated: 2026-11-30\n---\n\n"
        "## Try it\n\n```hurl\nGET /books\n[Options]\nlocation: true\nHTTP 200\n```\n"
    )
    found = check_text(project_catalogue, "redirects", text)
    [problem] = [p for p in found.problems if p.code == "KB301"]
    assert problem.line == 15  # the [Options] line of the file
    assert problem.message.startswith("[Options] is Hurl syntax the KB does not run yet; ")


def append_to_greeting(settings: Settings, markdown: str) -> int:
    """Append ``markdown`` to the greeting entry; the file line where it starts."""
    path = settings.content_dir / "greeting.md"
    text = path.read_text()
    path.write_text(text + "\n" + markdown)
    return len(text.splitlines()) + 2


async def test_websocket_blocks_run_in_order_with_the_try_blocks(site_settings: Settings) -> None:
    # Between a login's capture and the block that uses it, and between the session's
    # cookie and the block that sends it: both carry over.
    path = site_settings.content_dir / "greeting.md"
    socket = (
        '```websocket\nWS /ws/echo?token=t-alice\n> hi\n< *\njsonpath "$.from" == "alice"\n```\n\n'
    )
    text = path.read_text()
    for later in ("```hurl\nGET /me", "```hurl\nGET /whoami"):
        assert later in text
        text = text.replace(later, socket + later)
    path.write_text(text)
    assert await check(site_settings) == []


async def test_a_websocket_block_uses_the_values_captured_before_it(
    site_settings: Settings,
) -> None:
    # The login above captures token = "t-alice"; the block opens the socket with it.
    start = append_to_greeting(
        site_settings,
        "```websocket\n"
        "WS /ws/echo?token={{token}}\n"
        "> hi\n"
        '< {"from": "alice", "text": "hi", "count": 1}\n'
        "> {{token}}\n"
        "< *\n"
        'jsonpath "$.text" == "{{token}}"\n'
        "```\n\n"
        "```websocket\nWS /ws/echo?token={{ticket}}\n> hi\n< *\n```\n",
    )
    assert [(p.line, p.code, p.message) for p in await check(site_settings)] == [
        (
            start + 9,  # the block's fence, as for a try block
            "KB602",
            "WebSocket block 2 (WS /ws/echo?token={{ticket}}): "
            "uses {{ticket}}, which no earlier block captures",
        )
    ]


async def test_a_websocket_block_that_no_longer_holds_is_reported_at_its_step(
    site_settings: Settings,
) -> None:
    start = append_to_greeting(
        site_settings,
        "```websocket\n"
        "WS /ws/echo?token=t-alice\n"
        "> hi\n"
        '< {"from": "bob", "text": "hi", "count": 1}\n'
        "> bye\n"
        "close 1008\n"
        "```\n",
    )
    problems = await check(site_settings)
    assert [(p.line, p.code, p.message) for p in problems] == [
        (
            start + 3,
            "KB602",
            'WebSocket block 1 (WS /ws/echo?token=t-alice): expected {"from": "bob", '
            '"text": "hi", "count": 1}, got \'{"from":"alice","text":"hi","count":1}\'',
        ),
        (
            start + 5,
            "KB602",
            "WebSocket block 1 (WS /ws/echo?token=t-alice): expected close 1008: "
            "the example closed the connection with 1000 (see you)",
        ),
    ]


async def test_a_websocket_block_that_does_not_parse_is_reported_at_its_line(
    site_settings: Settings,
) -> None:
    start = append_to_greeting(site_settings, "```websocket\nWS /ws/echo\n> hi\nnonsense\n```\n")
    [problem] = await check(site_settings)
    assert (problem.line, problem.code) == (start + 3, "KB302")
    assert "expected '> message' (send)" in problem.message


@pytest.mark.anyio
async def test_apps_written_as_fastapis_tutorials_write_them_pass_unchanged() -> None:
    """Module-level apps with module-level state, a settings package with a .env, a
    lifespan that yields state, a mounted sub-application, uploads, cookies, background
    tasks, a WebSocket read in a loop and a deliberate 500: kb check passes them all."""
    root = Path(__file__).parents[1] / "fixtures" / "tutorials"
    settings = Settings(content_dir=root / "content", examples_dir=root / "examples")
    assert await check(settings) == []


STATEFUL_ENTRY = """---
title: Lifespan State
summary: A fixture entry whose example yields lifespan state and keeps a .env file.
section: Core Patterns
group: Route Organization
tags: [fixture]
example: stateful
related: [greeting]
updated: 2026-11-30
---

```hurl
GET /state
HTTP 200
[Asserts]
jsonpath "$.from_lifespan" == "opened at startup"
jsonpath "$.from_env" == "from the example's .env"
```
"""

STATEFUL_EXAMPLE = """
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request


@asynccontextmanager
async def lifespan(app):
    yield {"resource": "opened at startup"}


app = FastAPI(lifespan=lifespan)


@app.get("/state")
async def state(request: Request) -> dict[str, str | None]:
    return {"from_lifespan": request.state.resource, "from_env": os.getenv("STATEFUL_NOTE")}
"""


async def test_try_blocks_see_the_lifespan_state_and_the_examples_env(
    site_settings: Settings,
) -> None:
    """As in a reader's sandbox and under uvicorn: what the lifespan yields reaches
    request.state, and the example's .env is in the environment of its requests."""
    (site_settings.content_dir / "stateful.md").write_text(STATEFUL_ENTRY)
    (site_settings.examples_dir / "stateful.py").write_text(STATEFUL_EXAMPLE)
    (site_settings.examples_dir / "stateful.env").write_text(
        'STATEFUL_NOTE="from the example\'s .env"\n'
    )

    assert await check(site_settings, [site_settings.content_dir / "stateful.md"]) == []


async def test_a_watcher_is_told_of_loading_and_of_each_entry_in_turn(
    site_settings: Settings,
) -> None:
    import contextlib
    from collections.abc import Iterator, Sequence

    from kb.consoles.check import Watcher
    from kb.content.catalogue import Entry

    told: list[tuple[object, ...]] = []

    class Recorder(Watcher):
        def loading(self, done: int, total: int) -> None:
            told.append(("loading", done, total))

        def selected(self, entries: Sequence[Entry]) -> None:
            told.append(("selected", [entry.slug for entry in entries]))

        @contextlib.contextmanager
        def checking(self, entry: Entry, number: int) -> Iterator[None]:
            told.append(("checking", entry.slug, number))
            yield
            told.append(("ran", entry.slug))

        def checked(self, entry: Entry, problems: list[Problem]) -> None:
            told.append(("checked", entry.slug, [p.code for p in problems]))

    break_second_block(site_settings)
    problems = await check(site_settings, watcher=Recorder())
    assert told == [
        ("loading", 1, 2),
        ("loading", 2, 2),
        ("selected", ["greeting", "farewell"]),
        ("checking", "greeting", 1),
        ("ran", "greeting"),
        ("checked", "greeting", ["KB601"]),
        ("checking", "farewell", 2),
        ("ran", "farewell"),
        ("checked", "farewell", []),
    ]
    assert [p.code for p in problems] == ["KB601"]

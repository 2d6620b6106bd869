from collections.abc import AsyncIterator

import pytest

from kb import knowledge as knowledge_module
from kb.knowledge import KnowledgeBase
from kb.middleware.pagecache import Page
from kb.sandbox import examples
from kb.sandbox.readers import PUBLIC
from kb.settings import Settings
from tests.sandbox.test_databases import StandIn

pytestmark = pytest.mark.anyio

BROKEN = "def create_app():\n    raise RuntimeError('no names today')\n"


@pytest.fixture
async def kb(site_settings: Settings) -> AsyncIterator[KnowledgeBase]:
    knowledge = KnowledgeBase(site_settings)
    yield knowledge
    await knowledge.aclose()


def break_greeter(settings: Settings) -> None:
    (settings.examples_dir / "greeter.py").write_text(BROKEN)
    examples.forget("greeter")  # as the development reloader does after an edit


def remember_a_page(kb: KnowledgeBase) -> None:
    kb.pages.put("/patterns/greeting", Page.of(b"<p>runs</p>", "text/html"))


async def test_content_is_read_rendered_and_indexed(kb: KnowledgeBase) -> None:
    assert sorted(kb.catalogue.entries) == ["farewell", "greeting"]
    assert kb.index.search("farew").hits[0].slug == "farewell"
    assert kb.problems() == []


async def test_reloading_content_shows_edits_and_forgets_what_was_rendered(
    kb: KnowledgeBase, site_settings: Settings
) -> None:
    remember_a_page(kb)
    kb.responses.put("/search|q=farew", Page.of(b"{}", "application/json"))
    kb.fragments.put(("greeting", 0), "<div>201 Created</div>")
    farewell = site_settings.content_dir / "farewell.md"
    farewell.write_text(farewell.read_text().replace("Saying Farewell", "Farewell, Friends"))
    kb.load_content()
    assert kb.catalogue.entries["farewell"].meta.title == "Farewell, Friends"
    assert kb.index.search("friends").hits[0].slug == "farewell"
    assert kb.pages.peek("/patterns/greeting") is None
    assert kb.responses.peek("/search|q=farew") is None
    assert kb.fragments.get(("greeting", 0)) is None


async def test_content_problems_are_logged_and_reported(
    site_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    (site_settings.content_dir / "broken.md").write_text("nothing\n")
    knowledge = KnowledgeBase(site_settings)
    assert [problem.code for problem in knowledge.problems()] == ["KB102"]
    assert [record.levelname for record in caplog.records if "KB102" in record.message] == [
        "WARNING"
    ]


async def test_each_example_starts_once_for_the_public(kb: KnowledgeBase) -> None:
    assert not kb.examples_checked.is_set()
    await kb.start_examples()
    assert kb.examples_checked.is_set()
    assert kb.sandboxes.running(PUBLIC, "greeting") and len(kb.sandboxes) == 1
    assert kb.has_example("greeting")
    assert not kb.has_example("farewell")  # an entry without an example
    assert not kb.has_example("nowhere")


async def test_each_reader_gets_their_own_instance(kb: KnowledgeBase) -> None:
    public = await kb.example_app("greeting")
    ann = await kb.example_app("greeting", "ann")
    assert public is not None and ann is not None and ann is not public
    assert await kb.example_app("greeting", "ann") is ann
    assert await kb.example_app("farewell", "ann") is None


async def test_restarting_an_example_closes_every_readers_instance(kb: KnowledgeBase) -> None:
    await kb.start_examples()
    public = await kb.example_app("greeting")
    ann = await kb.example_app("greeting", "ann")
    assert ann is not None and ann.app.state.started
    remember_a_page(kb)
    restarted = await kb.start_example(kb.catalogue.entries["greeting"])
    assert restarted is not None and restarted is not public
    assert not ann.app.state.started and not kb.sandboxes.running("ann", "greeting")
    assert kb.pages.peek("/patterns/greeting") is None  # its page says whether it runs


@pytest.mark.example_fails
async def test_an_example_that_fails_to_start_is_reported_and_not_served(
    kb: KnowledgeBase, site_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    break_greeter(site_settings)
    remember_a_page(kb)
    await kb.start_examples()
    assert kb.examples_checked.is_set()  # tried, even though it failed
    [problem] = kb.problems()
    assert (problem.path, problem.code) == (site_settings.content_dir / "greeting.md", "KB501")
    assert "greeter.py:2: RuntimeError: no names today" in problem.message
    assert any(r.levelname == "ERROR" and "KB501" in r.message for r in caplog.records)
    assert not kb.has_example("greeting")
    assert await kb.example_app("greeting") is None
    assert await kb.example_app("greeting", "ann") is None
    assert kb.pages.peek("/patterns/greeting") is None  # its page now says it failed


@pytest.mark.example_fails
async def test_a_reader_who_reaches_a_broken_example_first_reports_it(
    kb: KnowledgeBase, site_settings: Settings
) -> None:
    break_greeter(site_settings)
    assert await kb.example_app("greeting", "ann") is None  # before the examples start
    assert [problem.code for problem in kb.problems()] == ["KB501"]


@pytest.mark.example_fails
async def test_a_readers_failed_start_of_a_running_example_is_only_logged(
    kb: KnowledgeBase, site_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await kb.start_examples()
    public = await kb.example_app("greeting")
    break_greeter(site_settings)
    assert await kb.example_app("greeting", "ann") is None
    assert kb.problems() == [] and kb.has_example("greeting")
    assert await kb.example_app("greeting") is public  # the others' instances go on
    assert any(
        r.levelname == "ERROR" and r.message.startswith("greeting: ") for r in caplog.records
    )


@pytest.mark.example_fails
async def test_a_fixed_example_is_no_longer_reported(
    kb: KnowledgeBase, site_settings: Settings
) -> None:
    example = site_settings.examples_dir / "greeter.py"
    source = example.read_text()
    break_greeter(site_settings)
    await kb.start_examples()
    assert not kb.has_example("greeting")
    example.write_text(source)
    examples.forget("greeter")
    assert await kb.start_example(kb.catalogue.entries["greeting"]) is not None
    assert kb.problems() == [] and kb.has_example("greeting")


async def test_closing_stops_every_instance(site_settings: Settings) -> None:
    knowledge = KnowledgeBase(site_settings)
    public = await knowledge.example_app("greeting")
    ann = await knowledge.example_app("greeting", "ann")
    assert public is not None and ann is not None
    await knowledge.aclose()
    assert (
        not public.app.state.started and not ann.app.state.started and len(knowledge.sandboxes) == 0
    )


async def test_with_a_database_server_each_sandbox_gets_a_schema_dropped_when_it_stops(
    site_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = StandIn()
    monkeypatch.setattr(knowledge_module, "ExampleDatabases", lambda url: server)
    (site_settings.examples_dir / "greeter.env").write_text("DATABASE_URL=\n")
    settings = site_settings.model_copy(
        update={"examples_database_url": "postgresql+psycopg://kb@db/kb"}
    )
    knowledge = KnowledgeBase(settings)
    await knowledge.start_examples()
    await knowledge.example_app("greeting", "ann")
    assert len(server.made) == 2  # the public sandbox and ann's, each with its own schema
    await knowledge.sandboxes.reset("ann", "greeting")
    assert server.dropped == server.made[1:]
    await knowledge.aclose()
    assert server.dropped == server.made[1:] + server.made[:1]

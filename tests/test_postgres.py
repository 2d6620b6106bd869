"""The database entries on PostgreSQL: their try blocks, and what differs from SQLite.

Every test here needs the server that ``KB_EXAMPLES_DATABASE_URL`` names and is skipped
without one; ``make check-postgres`` starts a throwaway server and runs them (marker
``postgres``). Each example runs in a schema of its own, made and dropped as a reader's
sandbox is (kb.sandbox.databases), so the tests also prove that the example really ran
on PostgreSQL and not on its SQLite default.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from kb.consoles import console
from kb.content import catalogue as catalogue_module
from kb.content import sources
from kb.content.catalogue import Entry
from kb.sandbox import environment, examples
from kb.sandbox.databases import VARIABLE, ExampleDatabases, SandboxDatabase
from kb.settings import PROJECT_DIR

pytestmark = pytest.mark.postgres

CATALOGUE = catalogue_module.load(PROJECT_DIR / "content", PROJECT_DIR / "examples")
# The entries whose examples declare DATABASE_URL: the ones that run on PostgreSQL.
DATABASE_ENTRIES = sorted(
    entry.slug
    for entry in CATALOGUE.entries.values()
    if entry.meta.example
    and (source := sources.find(CATALOGUE.examples_dir, entry.meta.example)) is not None
    and VARIABLE in environment.declared(source.path)
)


# The example test modules that also run on the database TEST_DATABASE_URL names.
TEST_MODULES = ["examples/migrations/test_app.py", "examples/test_database/test_app.py"]


class Sandbox:
    """One example started on its own schema, as a reader's sandbox starts it."""

    def __init__(self, app: examples.RunningApp, database: SandboxDatabase) -> None:
        self.app = app
        self.database = database

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        transport = httpx2.ASGITransport(app=self.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://example") as client:
            return await client.request(method, path, **kwargs)


@asynccontextmanager
async def sandbox(databases: ExampleDatabases, name: str) -> AsyncIterator[Sandbox]:
    app = examples.build(CATALOGUE.examples_dir, name, databases)
    database = examples.database_of(app)
    assert database is not None, f"examples/{name} declares no DATABASE_URL"
    running = examples.RunningApps()
    try:
        yield Sandbox(await running.start(name, app), database)
    finally:
        await running.aclose()


def on_server(databases: ExampleDatabases, sql: str, **params: str) -> list[Any]:
    engine = create_engine(databases.server)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params).scalars())
    finally:
        engine.dispose()


def in_use(databases: ExampleDatabases, database: SandboxDatabase) -> bool:
    """Whether the example keeps tables in its schema, or connections made for it."""
    tables = on_server(
        databases,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = :schema",
        schema=database.schema,
    )
    connections = on_server(
        databases,
        "SELECT pid FROM pg_stat_activity WHERE application_name = :schema",
        schema=database.schema,
    )
    return bool(tables or connections)


def entry(slug: str) -> Entry:
    found = CATALOGUE.entries[slug]
    assert found.meta.example
    return found


@pytest.mark.parametrize("slug", DATABASE_ENTRIES)
@pytest.mark.anyio
async def test_try_blocks_answer_as_the_entry_says_on_postgresql(
    example_databases: ExampleDatabases, slug: str
) -> None:
    assert entry(slug).meta.example
    async with sandbox(example_databases, entry(slug).meta.example or "") as box:
        outcomes = await console.run_blocks(
            box.app, entry(slug).mount, entry(slug).rendered.try_blocks, timeout=30
        )
        assert in_use(example_databases, box.database), "the example ignored DATABASE_URL"
    failures = [
        f"{slug}.md:{entry(slug).source.line_of(o.block.line)}: {o.block.method} {o.block.path}: {f}"
        for o in outcomes
        for f in o.failures
    ]
    assert failures == []
    # The sandbox stopped: its schema went with it.
    assert not on_server(
        example_databases,
        "SELECT schema_name FROM information_schema.schemata WHERE schema_name = :schema",
        schema=box.database.schema,
    )


def integer_path_routes(openapi: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path) of every operation with an integer path parameter, each such
    parameter at the largest value the route accepts (2**31 when it declares none)."""
    found = []
    for template, operations in openapi["paths"].items():
        for method, operation in operations.items():
            path, integers = template, 0
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "path" and schema.get("type") == "integer":
                    largest = schema.get("maximum", 2**31)
                    path = path.replace("{" + parameter["name"] + "}", str(largest))
                    integers += 1
            if integers:
                found.append((method.upper(), path))
    return found


@pytest.mark.parametrize("slug", DATABASE_ENTRIES)
@pytest.mark.anyio
async def test_the_largest_id_the_api_accepts_is_no_server_error(
    example_databases: ExampleDatabases, slug: str
) -> None:
    # INTEGER is 32 bits on PostgreSQL: an id SQLite's 64-bit INTEGER takes makes
    # PostgreSQL refuse the query (a 500), unless the path caps it.
    async with sandbox(example_databases, entry(slug).meta.example or "") as box:
        routes = integer_path_routes(box.app.app.openapi())
        if not routes:
            pytest.skip(f"the example of {slug} takes no integer in a path")
        answers = {route: (await box.request(*route)).status_code for route in routes}
    assert {route: status for route, status in answers.items() if status >= 500} == {}


@pytest.mark.anyio
async def test_a_price_the_orm_models_api_accepts_fits_postgresql(
    example_databases: ExampleDatabases,
) -> None:
    async with sandbox(example_databases, "orm_models") as box:
        created = await box.request(
            "POST", "/products", json={"sku": "BIG-1", "name": "Big", "price_cents": 2**63 - 1}
        )
    assert created.status_code == 201, created.text
    assert created.json()["price_cents"] == 2**63 - 1


@pytest.mark.anyio
async def test_a_cursor_beyond_postgresqls_integer_is_a_422(
    example_databases: ExampleDatabases,
) -> None:
    async with sandbox(example_databases, "database_optimization") as box:
        response = await box.request("GET", f"/orders?after=1:{2**31}")
    assert response.status_code == 422, response.text


@pytest.mark.anyio
async def test_an_account_id_beyond_postgresqls_integer_is_a_422(
    example_databases: ExampleDatabases,
) -> None:
    async with sandbox(example_databases, "transactions") as box:
        transfer = {"source_id": 1, "target_id": 2**31, "amount_cents": 100}
        response = await box.request("POST", "/transfers", json=transfer)
    assert response.status_code == 422, response.text


@pytest.mark.anyio
async def test_migrations_leave_the_id_sequence_ahead_of_the_rows(
    example_databases: ExampleDatabases,
) -> None:
    async with sandbox(example_databases, "migrations") as box:
        created = await box.request("POST", "/tasks", json={"title": "After 0001's rows"})
    assert created.status_code == 201, created.text
    assert created.json()["id"] == 3  # after the two rows revision 0001 inserted


@pytest.mark.anyio
async def test_concurrent_opposite_transfers_neither_deadlock_nor_lose_money(
    example_databases: ExampleDatabases,
) -> None:
    # FOR UPDATE in id order: on PostgreSQL, transfers both ways between the same accounts
    # queue on the row locks; without them READ COMMITTED would lose updates.
    async with sandbox(example_databases, "transactions") as box:
        both_ways = [{"source_id": 1, "target_id": 2}, {"source_id": 2, "target_id": 1}] * 12
        answers = await asyncio.gather(
            *(box.request("POST", "/transfers", json={**t, "amount_cents": 100}) for t in both_ways)
        )
        ledger = (await box.request("GET", "/accounts")).json()
    assert [a.status_code for a in answers] == [201] * len(both_ways)
    assert [a["balance_cents"] for a in ledger["accounts"]] == [10_000, 5_000, 0]
    assert ledger["total_cents"] == 15_000


def test_the_example_test_modules_pass_on_postgresql(example_databases: ExampleDatabases) -> None:
    database = example_databases.create()  # an empty schema, as TEST_DATABASE_URL asks
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", *TEST_MODULES, "-v", "-p", "no:cacheprovider"],
            cwd=PROJECT_DIR,
            env={**os.environ, "TEST_DATABASE_URL": database.url},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout[-3000:]
        for module in TEST_MODULES:
            assert f"{module}::" in result.stdout
        on_postgresql = [line for line in result.stdout.splitlines() if "[postgresql" in line]
        assert on_postgresql and all("PASSED" in line for line in on_postgresql)
        left = on_server(
            example_databases,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = :schema",
            schema=database.schema,
        )
        assert left == []  # the tests leave the database as empty as they found it
    finally:
        example_databases.drop(database)


def test_the_throwaway_server_is_gone_when_its_command_ends(
    example_databases: ExampleDatabases,
) -> None:
    script = "import os; print(os.environ['KB_EXAMPLES_DATABASE_URL'])"
    result = subprocess.run(
        [sys.executable, "deploy/postgres.py", "--", sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    url = result.stdout.splitlines()[1]
    assert url.startswith("postgresql+psycopg://kb@127.0.0.1:")
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with pytest.raises(OperationalError, match="refused"), engine.connect():
            pass
    finally:
        engine.dispose()

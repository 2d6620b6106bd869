"""The Relationships example runs a fixed number of SQL statements, however many rows
an author has: eager loading for reads, the database's ON DELETE CASCADE for deletes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from kb.sandbox import examples
from kb.settings import PROJECT_DIR


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends to the database inside the block."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(examples.build(PROJECT_DIR / "examples", "relationships")) as client:
        yield client


def add_author(client: TestClient, name: str, books: int) -> tuple[int, list[int]]:
    """An author with ``books`` books, each with two tags of its own."""
    author_id = client.post("/authors", json={"name": name}).json()["id"]
    book_ids = []
    for n in range(books):
        book = {"title": f"{name} {n}", "year": 2000 + n, "tags": [f"{name}-{n}", "shared"]}
        response = client.post(f"/authors/{author_id}/books", json=book)
        assert response.status_code == 201, response.text
        book_ids.append(response.json()["id"])
    return author_id, book_ids


@pytest.mark.parametrize("path", ["/authors/{id}", "/authors"])
def test_reading_authors_costs_the_same_queries_for_one_book_or_many(
    client: TestClient, path: str
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    few, _ = add_author(client, "Few", books=1)
    many, _ = add_author(client, "Many", books=8)

    with statements(engine) as one_book:
        client.get(path.format(id=few)).raise_for_status()
    with statements(engine) as eight_books:
        response = client.get(path.format(id=many))

    assert response.status_code == 200
    if path == "/authors/{id}":
        assert len(response.json()["books"]) == 8
        assert all(len(book["tags"]) == 2 for book in response.json()["books"])
    # The author(s), their books, the books' tags: three SELECTs, never one per book.
    assert len(one_book) == len(eight_books) == 3, eight_books


def test_deleting_an_author_leaves_the_cascade_to_the_database(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    author_id, book_ids = add_author(client, "Gone", books=8)

    with statements(engine) as sent:
        assert client.delete(f"/authors/{author_id}").status_code == 204

    # Load the author, delete it: no SELECT of its books, no DELETE per book or per tag link.
    assert len(sent) == 2, sent
    assert sent[-1].startswith("DELETE FROM authors")
    assert all(client.get(f"/books/{book_id}").status_code == 404 for book_id in book_ids)
    with engine.connect() as connection:
        ids = ", ".join(map(str, book_ids))
        links = connection.scalar(text(f"SELECT count(*) FROM book_tags WHERE book_id IN ({ids})"))
        shared = connection.scalar(text("SELECT count(*) FROM tags WHERE name = 'shared'"))
    assert links == 0  # ON DELETE CASCADE went on from books to their tag links
    assert shared == 1  # tags are shared: deleting books never deletes them

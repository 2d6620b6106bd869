from __future__ import annotations

from pathlib import Path

from kb.content import catalogue
from kb.search import documents
from kb.settings import Settings


def test_split_identifiers() -> None:
    words = documents.split_identifiers(
        "use response_model and OAuth2PasswordBearer, not app.state"
    ).split()
    assert {"response", "model", "Password", "Bearer", "app", "state"} <= set(words)
    assert "use" not in words  # plain words are not identifiers


def test_example_text_holds_the_source_and_its_routes(tmp_path: Path) -> None:
    (tmp_path / "demo.py").write_text(
        "@app.get(\"/items/{item_id}\")\ndef read(): ...\n@router.post('/token')\ndef t(): ...\n"
    )
    entry = _entry_with_example("demo")
    source, routes = documents.example_text(entry, tmp_path)
    assert "def read" in source
    assert routes == "GET /items/{item_id} POST /token"


def test_entry_text_fills_every_column(site_settings: Settings) -> None:
    loaded = catalogue.load(site_settings.content_dir, site_settings.examples_dir)
    entry = loaded.entries["greeting"]
    text = documents.entry_text(entry, loaded.examples_dir)
    assert text["title"] == entry.meta.title
    assert set(text) == {
        "title",
        "headings",
        "identifiers",
        "tags",
        "summary",
        "body",
        "code",
        "parts",
    }
    rows = list(documents.section_rows(entry, first_id=10))
    assert [row["id"] for row in rows] == list(range(10, 10 + len(rows)))
    assert all(row["slug"] == "greeting" for row in rows)


def _entry_with_example(name: str) -> catalogue.Entry:
    class Meta:
        example = name

    class Fake:
        meta = Meta()

    return Fake()  # type: ignore[return-value]


def test_identifier_parts_keep_the_order_they_appear_in() -> None:
    # Phrase and NEAR queries read which words are neighbours: the same text must give
    # the same column in every process, whatever its hash seed.
    assert documents.split_identifiers("user_id OAuth2Form user_id max_age") == (
        "user id O Auth 2 Form max age"
    )

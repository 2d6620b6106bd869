import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import inspect

from kb.contribute.proposals import ProposalError, ProposalStore, Status

TEXT = "---\ntitle: A proposal\n---\nbody\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProposalStore]:
    store = ProposalStore(f"sqlite:///{tmp_path / '.cache' / 'proposals.db'}")
    store.prepare()
    yield store
    store.dispose()


def test_tables_are_created_in_a_new_folder(store: ProposalStore, tmp_path: Path) -> None:
    assert (tmp_path / ".cache" / "proposals.db").is_file()
    assert "kb_proposals" in inspect(store.engine).get_table_names()


def test_add_list_and_get(store: ProposalStore) -> None:
    first = store.add("one", "One", TEXT, author="ada", note="please")
    second = store.add("two", "Two", TEXT)
    assert (first.id, second.id) == (1, 2)
    assert [p.slug for p in store.proposals()] == ["one", "two"]
    found = store.get(1)
    assert (found.title, found.author, found.note, found.status) == (
        "One",
        "ada",
        "please",
        "pending",
    )
    assert found.created_at is not None and found.decided_at is None
    with pytest.raises(ProposalError, match="no proposal #9"):
        store.get(9)


def test_a_slug_that_is_not_one_is_refused(store: ProposalStore) -> None:
    with pytest.raises(ProposalError, match="not a slug"):
        store.add("../etc/passwd", "x", TEXT)


def test_accept_writes_the_entry_and_marks_it(store: ProposalStore, tmp_path: Path) -> None:
    store.add("one", "One", TEXT)
    content = tmp_path / "content"
    target = store.accept(1, content)
    assert target == content / "one.md"
    assert target.read_text() == TEXT
    assert store.get(1).status == Status.ACCEPTED and store.get(1).decided_at is not None
    assert store.proposals(Status.PENDING) == []
    with pytest.raises(ProposalError, match="already accepted"):
        store.accept(1, content)


def test_accept_never_overwrites_without_replace(store: ProposalStore, tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "one.md").write_text("the current entry")
    store.add("one", "One", TEXT)
    with pytest.raises(ProposalError, match="exists: accept with --replace"):
        store.accept(1, content)
    assert (content / "one.md").read_text() == "the current entry"
    assert store.get(1).status == Status.PENDING
    store.accept(1, content, replace=True)
    assert (content / "one.md").read_text() == TEXT


def test_a_failed_write_says_so_and_the_proposal_stays_pending(
    store: ProposalStore, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    (content / "one.md").mkdir(parents=True)  # a folder where the file should go
    (content / "one.md" / "keep").write_text("x")
    store.add("one", "One", TEXT)
    with pytest.raises(ProposalError, match=r"could not write .*one\.md.*stays pending"):
        store.accept(1, content, replace=True)
    assert store.get(1).status == Status.PENDING
    assert [p.name for p in content.iterdir()] == ["one.md"]  # no temporary file left


def test_reject_keeps_the_reason(store: ProposalStore) -> None:
    store.add("one", "One", TEXT)
    rejected = store.reject(1, "duplicate")
    assert (rejected.status, rejected.reason) == ("rejected", "duplicate")
    assert store.get(1).reason == "duplicate"
    with pytest.raises(ProposalError, match="already rejected"):
        store.reject(1)


def test_concurrent_proposals_are_all_stored(store: ProposalStore) -> None:
    count = 60
    start = threading.Barrier(12)

    def propose(number: int) -> int:
        if number < 12:
            start.wait()  # the first twelve write at the same moment
        return store.add(f"entry-{number}", f"Entry {number}", TEXT).id

    with ThreadPoolExecutor(max_workers=12) as pool:
        ids = list(pool.map(propose, range(count)))
    assert len(set(ids)) == count
    stored = store.proposals()
    assert sorted(p.slug for p in stored) == sorted(f"entry-{n}" for n in range(count))


def test_any_sqlalchemy_url_works_in_memory_too() -> None:
    store = ProposalStore("sqlite://")
    store.add("one", "One", TEXT)  # tables are created on first use
    assert [p.slug for p in store.proposals()] == ["one"]
    store.dispose()


def test_an_unreachable_database_raises_on_use(tmp_path: Path) -> None:
    (tmp_path / "a-folder").mkdir()
    store = ProposalStore(f"sqlite:///{tmp_path / 'a-folder'}")
    with pytest.raises(Exception, match="unable to open database"):
        store.add("one", "One", TEXT)
    store.dispose()


def test_sqlite_is_migrated_as_it_is_first_used(tmp_path: Path) -> None:
    from kb.contribute import schema

    store = ProposalStore(f"sqlite:///{tmp_path / 'new' / 'proposals.db'}")
    store.add("one", "One", TEXT)
    assert schema.status(store.engine).up_to_date
    store.dispose()


def test_a_shared_database_is_checked_not_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.contribute import schema
    from kb.contribute.proposals import SchemaOutdated

    monkeypatch.setattr(ProposalStore, "migrates_itself", property(lambda self: False))
    store = ProposalStore(f"sqlite:///{tmp_path / 'shared.db'}")
    with pytest.raises(
        SchemaOutdated, match=r"at revision \(none\), this KB needs 0001: run `kb db upgrade`"
    ):
        store.add("one", "One", TEXT)
    assert not inspect(store.engine).has_table("kb_proposals")  # nothing was created
    store.upgrade()  # what `kb db upgrade` does
    store.add("one", "One", TEXT)
    assert schema.status(store.engine).up_to_date
    store.dispose()

"""The new contributor's story, end to end, as issue 6 tells it.

Scaffold an entry with ``kb new``, edit it and see it live under development mode, break
it and read the error, fix it, propose another entry from the browser, and accept that
one from the command line: it is then on the site and in the search.
"""

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.cli import main
from kb.content.catalogue import load
from kb.search.engine import SearchIndex
from kb.settings import Settings
from tests.contribute.test_views import HTMX, form_token


def eventually(condition: Callable[[], bool], what: str, seconds: float = 15) -> None:
    """Wait for the development-mode watcher to pick a change up."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not seen in {seconds} s: {what}"
        time.sleep(0.1)


def kb(settings: Settings, *arguments: str) -> int:
    dirs = ["--content", str(settings.content_dir), "--examples", str(settings.examples_dir)]
    command, *rest = arguments
    if command == "proposals":
        return main([command, *dirs, *rest])
    return main([command, *rest, *dirs])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_scaffold_edit_see_it_live_break_fix_propose_accept(
    site_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    content = site_settings.content_dir
    entry = content / "retry-after.md"
    app_py = site_settings.examples_dir / "retry_after" / "app.py"

    # 1. Scaffold: an entry, its example and the example's test; kb check passes at once.
    assert (
        kb(
            site_settings,
            "new",
            "retry-after",
            "--section",
            "Best Practices",
            "--title",
            "Retry-After Headers",
        )
        == 0
    )
    assert "created" in capsys.readouterr().out
    assert kb(site_settings, "check", str(entry)) == 0

    dev = site_settings.model_copy(update={"dev": True})
    with TestClient(create_app(dev)) as client:
        page = client.get("/patterns/retry-after")
        assert page.status_code == 200 and "Retry-After Headers" in page.text
        assert "/static/dev-reload." in page.text  # the open page refreshes itself on changes

        # 2. Edit, and see it live: the running server reloads the entry, no restart.
        edit(
            entry,
            'summary: "TODO: one sentence that says what “Retry-After Headers” answers."',
            "summary: Tell a client when to come back, and let it retry without guessing.",
        )
        edit(entry, "TODO: what goes wrong without this pattern", "A client that retries at once")
        eventually(
            lambda: "A client that retries at once" in client.get("/patterns/retry-after").text,
            "the edited entry on its page",
        )
        # Once the scaffold is edited, its placeholders left in it are problems, each at
        # its line; written over, the check passes.
        capsys.readouterr()
        assert kb(site_settings, "check", str(entry)) == 1
        left = capsys.readouterr().out.splitlines()
        assert left and all(
            " KB701 The scaffold's placeholder is still here: “TODO: " in line for line in left
        )
        assert len(left) == entry.read_text().count("\nTODO: ")
        entry.write_text(entry.read_text().replace("\nTODO: ", "\n"))
        assert kb(site_settings, "check", str(entry)) == 0
        capsys.readouterr()

        # 3. Break the example: the live example is re-imported on its own...
        edit(app_py, "status.HTTP_404_NOT_FOUND", "status.HTTP_410_GONE")
        eventually(
            lambda: client.get("/examples/retry-after/items/999").status_code == 410,
            "the edited example answering",
        )
        # ... and kb check says which try block of which file no longer holds, and why.
        assert kb(site_settings, "check", str(entry)) == 1
        lines = entry.read_text().splitlines()
        third_block = [n for n, line in enumerate(lines, start=1) if line == "```hurl"][2]
        assert capsys.readouterr().out.splitlines() == [
            f"{entry}:{third_block}:1: KB601 try block 3 (GET /items/999): "
            'expected HTTP 404, got 410: {"detail":"no item 999"}'
        ]
        # A typo in the front matter is pointed at, with a suggestion.
        edit(entry, "section: Best Practices", "section: Best Practise")
        assert kb(site_settings, "check", str(entry)) == 1
        assert (
            f"{entry}:4:1: KB104 The section 'Best Practise' is not one of the six "
            "(did you mean 'Best Practices'?)"
        ) in capsys.readouterr().out

        # 4. Fix both: the check passes again, and the page is back.
        edit(entry, "section: Best Practise", "section: Best Practices")
        edit(app_py, "status.HTTP_410_GONE", "status.HTTP_404_NOT_FOUND")
        eventually(
            lambda: client.get("/examples/retry-after/items/999").status_code == 404,
            "the fixed example answering",
        )
        assert kb(site_settings, "check", str(entry)) == 0
        eventually(
            lambda: client.get("/patterns/retry-after").status_code == 200, "the fixed entry"
        )

        # 5. Propose another entry from the browser, through the form's HTTP API with CSRF.
        proposal = (content / "farewell.md").read_text()
        proposal = proposal.replace("title: Saying Farewell", "title: Backoff Between Retries")
        proposal = proposal.replace(
            "Pagination of farewells", "Wait longer after each [retry](/patterns/retry-after);"
        )
        token = form_token(client)
        preview = client.post(
            "/contribute/preview",
            data={"csrf_token": token, "slug": "backoff-retries", "markdown": proposal},
            headers=HTMX,
        )
        assert "No problems found" in preview.text
        proposed = client.post(
            "/contribute",
            data={"csrf_token": token, "slug": "backoff-retries", "markdown": proposal},
            headers=HTMX,
        )
        assert proposed.status_code == 201 and "Proposal #1" in proposed.text
        assert client.get("/patterns/backoff-retries").status_code == 404  # not yet

        # 6. Accept it from the command line: it is written and checked...
        capsys.readouterr()
        assert kb(site_settings, "proposals", "list") == 0
        assert "backoff-retries" in capsys.readouterr().out
        assert kb(site_settings, "proposals", "accept", "1") == 0
        assert "the accepted entry passes" in capsys.readouterr().out

        # ... and the running site has it, in the search too.
        eventually(
            lambda: client.get("/patterns/backoff-retries").status_code == 200,
            "the accepted entry on the site",
        )
        hits = client.get("/api/search", params={"q": "backoff"}).json()
        assert "backoff-retries" in [hit["slug"] for hit in hits["results"]]

    # The next index, built from the files, has both new entries.
    catalogue = load(site_settings.content_dir, site_settings.examples_dir)
    assert {"retry-after", "backoff-retries"} <= set(catalogue.entries)
    assert catalogue.problems() == []
    index = SearchIndex(catalogue)
    assert index.search("retry-after headers").hits[0].slug == "retry-after"

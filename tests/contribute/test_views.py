import asyncio
import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.contribute.proposals import ProposalStore
from kb.contribute.views import starter_text
from kb.settings import Settings
from tests.conftest import FIXTURES

HTMX = {"HX-Request": "true"}

VALID = """---
title: Retrying Politely
summary: Retry a failed call with backoff, and tell clients when to come back.
section: Best Practices
group: Error Handling
tags: [retries]
related: [greeting, farewell]
updated: 2026-11-26
---

## Why retry

A call fails; [greeting](/patterns/greeting#adding-names) shows a conflict.

```python
print("retry")
```
"""

GREETER_LINES = len((FIXTURES / "site" / "examples" / "greeter.py").read_text().splitlines())


def form_token(client: TestClient) -> str:
    """Open /contribute as a browser does: the page's hidden token (the cookie is kept)."""
    page = client.get("/contribute")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match[1]


def propose(
    client: TestClient,
    markdown: str = VALID,
    slug: str = "retrying",
    htmx: bool = True,
    **extra: str,
) -> httpx2.Response:
    data = {"csrf_token": form_token(client), "slug": slug, "markdown": markdown, **extra}
    return client.post("/contribute", data=data, headers=HTMX if htmx else {})


def store_of(client: TestClient) -> ProposalStore:
    return client.app.state.contributions.store  # type: ignore[attr-defined]


@pytest.fixture
def limited_client(site_settings: Settings) -> Iterator[TestClient]:
    settings = site_settings.model_copy(update={"proposals_rate": "2/minute"})
    with TestClient(create_app(settings)) as client:
        yield client


def test_the_editor_starts_from_a_valid_entry_and_links_the_guide(site_client: TestClient) -> None:
    page = site_client.get("/contribute")
    assert page.status_code == 200
    text = page.text
    assert 'href="/contributing"' in text
    assert (
        'hx-post="/contribute/preview"' in text and 'hx-trigger="input changed delay:400ms"' in text
    )
    # The starter text is a fresh scaffold: no problems, but its placeholders are listed.
    assert "No problems found" not in text and "problem to fix" not in text
    assert "6 placeholders to fill in</h2>" in text
    assert "Line 13:</span> TODO: what goes wrong without this pattern" in text
    assert "kb_csrf=" in page.headers["set-cookie"]
    assert (
        "HttpOnly" in page.headers["set-cookie"] and "SameSite=strict" in page.headers["set-cookie"]
    )
    textarea = re.search(r'<textarea id="contribute-markdown"[^>]*>\n(.*?)</textarea>', text, re.S)
    assert textarea is not None
    kb = site_client.app.state.kb  # type: ignore[attr-defined]
    assert html.unescape(textarea[1]) == starter_text(kb)


def test_every_page_links_to_contribute_and_the_guide_is_served(site_client: TestClient) -> None:
    assert 'href="/contribute"' in site_client.get("/").text
    guide = site_client.get("/contributing")
    assert guide.status_code == 200
    assert "<h1>Contributing to FastAPI Patterns</h1>" in guide.text
    assert 'id="proposing-from-the-browser"' in guide.text  # anchors, as on entries
    assert 'href="#try-blocks-a-subset-of-hurl"' in guide.text  # table of contents
    assert 'href="/contribute"' in guide.text


def test_the_preview_renders_safely_and_lists_no_problems(site_client: TestClient) -> None:
    token = form_token(site_client)
    markdown = VALID + "\n<script>alert(1)</script>\n"
    response = site_client.post(
        "/contribute/preview",
        data={"csrf_token": token, "slug": "retrying", "markdown": markdown},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Retrying Politely" in response.text and 'id="why-retry"' in response.text
    assert "No problems found" in response.text
    assert "<script>alert" not in response.text and "&lt;script&gt;" in response.text


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "section: Best Practices",
            "section: Best Practice",
            "Line 4:</span> The section &#39;Best Practice&#39; is not one of the six "
            "(did you mean &#39;Best Practices&#39;?); use one of &#39;Core Patterns&#39;, ",
        ),
        (
            "related: [greeting, farewell]",
            "related: [greetings, farewell]",
            "Line 7:</span> The related entry &#39;greetings&#39; does not exist "
            "(did you mean &#39;greeting&#39;?). (KB401)",
        ),
        (
            "#adding-names",
            "#adding-name",
            "Line 13:</span> The link goes to #adding-name, which is not a heading of "
            "&#39;greeting&#39; (did you mean &#39;adding-names&#39;?). (KB404)",
        ),
        (
            "```python\n",
            '```python include="greeter.py" lines="1-999"\n',
            "Line 15:</span> Lines 1-999 out of range: examples/greeter.py has "
            f"{GREETER_LINES} lines. (KB201)",
        ),
        (
            "## Why retry",
            "## Why retry\n\n```hurl\nGET /x\n```",
            "KB301",
        ),
    ],
)
def test_the_preview_lists_what_kb_check_would(
    site_client: TestClient, old: str, new: str, expected: str
) -> None:
    token = form_token(site_client)
    markdown = VALID.replace(old, new)
    if "include=" in new:
        markdown = markdown.replace('print("retry")\n', "")
    response = site_client.post(
        "/contribute/preview",
        data={"csrf_token": token, "slug": "retrying", "markdown": markdown},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "1 problem to fix</h2>" in response.text
    assert expected in response.text


def test_the_preview_works_without_javascript(site_client: TestClient) -> None:
    token = form_token(site_client)
    response = site_client.post(
        "/contribute/preview", data={"csrf_token": token, "slug": "retrying", "markdown": VALID}
    )
    assert response.status_code == 200
    assert "<html" in response.text and "Retrying Politely" in response.text
    assert "Retry a failed call with backoff" in response.text  # the text stays in the editor


def test_a_proposal_is_stored(site_client: TestClient) -> None:
    response = propose(site_client, author="ada", note="first try")
    assert response.status_code == 201
    assert 'data-proposal-id="1"' in response.text and "Proposal #1" in response.text
    [stored] = store_of(site_client).proposals()
    assert (stored.slug, stored.title, stored.author, stored.note) == (
        "retrying",
        "Retrying Politely",
        "ada",
        "first try",
    )
    assert stored.markdown == VALID


def test_windows_line_endings_are_stored_as_newlines(site_client: TestClient) -> None:
    assert propose(site_client, VALID.replace("\n", "\r\n")).status_code == 201
    assert store_of(site_client).get(1).markdown == VALID


def test_a_proposal_with_problems_is_refused_with_them(site_client: TestClient) -> None:
    response = propose(site_client, VALID.replace("Best Practices", "Best Practice"))
    assert response.status_code == 422
    assert "Not proposed yet" in response.text and "KB104" in response.text
    assert store_of(site_client).proposals() == []


def test_a_proposal_without_the_csrf_token_is_refused(site_client: TestClient) -> None:
    form_token(site_client)
    data = {"slug": "retrying", "markdown": VALID}
    response = site_client.post("/contribute", data=data | {"csrf_token": "forged"}, headers=HTMX)
    assert response.status_code == 403
    assert "CSRF token does not match" in response.text
    site_client.cookies.clear()
    response = site_client.post("/contribute", data=data | {"csrf_token": "x"}, headers=HTMX)
    assert response.status_code == 403 and "no CSRF cookie" in response.text
    assert store_of(site_client).proposals() == []


def test_the_preview_needs_the_csrf_token_too(site_client: TestClient) -> None:
    response = site_client.post(
        "/contribute/preview", data={"slug": "retrying", "markdown": VALID}, headers=HTMX
    )
    assert response.status_code == 403 and "CSRF" in response.text


def test_more_than_64_kib_of_markdown_is_a_413(site_client: TestClient) -> None:
    big = VALID + "x" * (64 * 1024)
    response = propose(site_client, big)
    assert response.status_code == 413
    assert "at most 64 KiB" in response.text
    assert propose(site_client, VALID + "y" * 1000).status_code == 201
    # A body far over the limit is refused before it is parsed.
    token = form_token(site_client)
    huge = {"csrf_token": token, "slug": "retrying", "markdown": "%" * (300 * 1024)}
    assert site_client.post("/contribute", data=huge, headers=HTMX).status_code == 413


def test_proposals_are_rate_limited_per_client(limited_client: TestClient) -> None:
    assert propose(limited_client, slug="one").status_code == 201
    assert propose(limited_client, slug="two").status_code == 201
    response = propose(limited_client, slug="three")
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "Too many proposals" in response.text
    assert [p.slug for p in store_of(limited_client).proposals()] == ["one", "two"]


def test_previews_are_rate_limited_too(site_settings: Settings) -> None:
    settings = site_settings.model_copy(update={"previews_rate": "2/minute"})
    with TestClient(create_app(settings)) as client:
        data = {"csrf_token": form_token(client), "slug": "retrying", "markdown": VALID}
        statuses = [
            client.post("/contribute/preview", data=data, headers=HTMX).status_code
            for _ in range(3)
        ]
    assert statuses == [200, 200, 429]


def test_a_failed_write_says_so_and_keeps_the_text(site_settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "a-folder").mkdir()
    settings = site_settings.model_copy(
        update={"proposals_url": f"sqlite:///{tmp_path / 'a-folder'}"}
    )
    with TestClient(create_app(settings)) as client:  # starts although the database is down
        response = propose(client, htmx=False)
    assert response.status_code == 503
    assert "Your proposal was NOT saved" in response.text
    assert "Retry a failed call with backoff" in response.text  # still in the editor


def test_a_shared_database_that_needs_an_upgrade_refuses_proposals_with_a_503(
    site_settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # As PostgreSQL is: migrated by `kb db upgrade`, never by the KB as it starts.
    monkeypatch.setattr(ProposalStore, "migrates_itself", property(lambda self: False))
    settings = site_settings.model_copy(
        update={"proposals_url": f"sqlite:///{site_settings.content_dir / 'shared.db'}"}
    )
    with TestClient(create_app(settings)) as client:
        response = propose(client, htmx=False)
    assert response.status_code == 503
    assert "Your proposal was NOT saved" in response.text
    assert "run `kb db upgrade`" in caplog.text


@pytest.mark.anyio
async def test_concurrent_proposals_over_http_are_all_stored(site_settings: Settings) -> None:
    settings = site_settings.model_copy(update={"proposals_rate": "1000/minute"})
    app = create_app(settings)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        page = await client.get("/contribute")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]  # type: ignore[index]

        async def send(number: int) -> int:
            data = {"csrf_token": token, "slug": f"entry-{number}", "markdown": VALID}
            return (await client.post("/contribute", data=data, headers=HTMX)).status_code

        statuses = await asyncio.gather(*(send(n) for n in range(40)))
    assert statuses == [201] * 40
    store = app.state.contributions.store
    assert sorted(p.slug for p in store.proposals()) == sorted(f"entry-{n}" for n in range(40))
    store.dispose()


def test_edit_this_page_follows_the_url_template(site_settings: Settings) -> None:
    with TestClient(create_app(site_settings)) as client:
        assert "Edit this page" not in client.get("/patterns/greeting").text
    settings = site_settings.model_copy(
        update={"edit_url": "https://github.com/org/kb/edit/main/content/{path}"}
    )
    with TestClient(create_app(settings)) as client:
        text = client.get("/patterns/greeting").text
    assert 'href="https://github.com/org/kb/edit/main/content/greeting.md"' in text
    assert "Edit this page" in text


@pytest.mark.parametrize("slug", ["../../etc/passwd", "Not A Slug", ""])
def test_a_slug_that_is_not_one_is_a_problem_not_a_path(site_client: TestClient, slug: str) -> None:
    response = propose(site_client, slug=slug)
    assert response.status_code == 422
    assert "KB100" in response.text and "is not a slug" in response.text
    assert store_of(site_client).proposals() == []


def test_an_edited_scaffold_lists_its_placeholders_as_problems(site_client: TestClient) -> None:
    token = form_token(site_client)
    starter = starter_text(site_client.app.state.kb)  # type: ignore[attr-defined]
    edited = starter.replace("TODO: the anti-patterns, and how each one bites.", "Too many.")
    response = site_client.post(
        "/contribute/preview",
        data={"csrf_token": token, "slug": "retrying", "markdown": edited},
        headers=HTMX,
    )
    assert "5 problems to fix</h2>" in response.text
    assert response.text.count("(KB701)") == 5
    assert "placeholders to fill in" not in response.text  # not listed twice
    refused = propose(site_client, edited)
    assert refused.status_code == 422 and "(KB701)" in refused.text


def test_a_front_matter_error_keeps_the_last_good_preview(site_client: TestClient) -> None:
    token = form_token(site_client)
    broken = VALID.replace("updated: ", "changed: ")
    response = site_client.post(
        "/contribute/preview",
        data={"csrf_token": token, "slug": "retrying", "markdown": broken},
        headers=HTMX,
    )
    assert response.status_code == 200
    text = response.text
    assert "Line " in text and "The front matter has no <code>updated</code> date" in text
    assert "(KB104)" in text and "Field required" not in text
    # No preview in the fragment: the one on the page stays, marked as the last good one.
    assert 'id="preview-article"' not in text
    assert "The preview below is the last one that could be shown" in text
    good = site_client.post(
        "/contribute/preview",
        data={"csrf_token": token, "slug": "retrying", "markdown": VALID},
        headers=HTMX,
    )
    assert '<div id="preview-article" hx-swap-oob="true">' in good.text
    assert "Retrying Politely" in good.text

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.search.results import Hit, Results
from kb.settings import Settings
from kb.web.pages import MAX_OFFSET, Pager, highlight_terms, page_number, with_highlight


def test_home_lists_sections_and_entries(site_client: TestClient) -> None:
    response = site_client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert 'href="/sections/core-patterns"' in response.text
    assert 'href="/patterns/greeting"' in response.text
    assert "2 patterns" in response.text


def main_of(page: str) -> str:
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_a_section_page_lists_its_groups(site_client: TestClient) -> None:
    text = main_of(site_client.get("/sections/core-patterns").text)
    assert "Route Organization" in text and "Greeting People" in text
    assert "Saying Farewell" not in text


def test_the_sidebar_opens_the_current_section_and_marks_the_page(
    site_client: TestClient,
) -> None:
    text = site_client.get("/patterns/greeting").text
    sidebar = text.split('<nav class="sidebar"', 1)[1].split("</nav>", 1)[0]
    # Without JavaScript: every section a <details>, the current one open.
    assert sidebar.count('<details class="sidebar-section"') == 6
    assert sidebar.count('<details class="sidebar-section" open>') == 1
    opened = sidebar.split('<details class="sidebar-section" open>', 1)[1].split("</details>")[0]
    assert "<summary>Core Patterns</summary>" in opened
    assert '<a href="/patterns/greeting" aria-current="page">Greeting People</a>' in opened
    assert sidebar.count("aria-current") == 1
    section = site_client.get("/sections/core-patterns").text
    assert '<a href="/sections/core-patterns" aria-current="page">All of Core Patterns</a>' in (
        section
    )
    assert '<details class="sidebar-section" open>' not in site_client.get("/").text


def test_an_entry_page_has_everything_a_reader_needs(site_client: TestClient) -> None:
    text = site_client.get("/patterns/greeting").text
    assert '<h1 id="entry-title">Greeting People</h1>' in text
    assert 'href="/sections/core-patterns"' in text  # breadcrumbs
    assert 'href="#adding-names"' in text  # table of contents
    assert 'class="header-anchor"' in text  # permalinks
    assert 'class="hll"' in text  # highlighted included lines
    assert text.count('<section class="console"') == 7
    assert 'hx-post="/try/greeting"' in text and 'action="/try/greeting#try-1"' in text
    assert "uvicorn --factory examples.greeter:create_app" in text
    assert 'href="/examples/greeting/docs"' in text
    assert 'href="/patterns/farewell"' in text  # related
    assert 'href="/tags/fixture"' in text


def test_rendered_markdown_is_wrapped_in_hx_disable(site_client: TestClient) -> None:
    text = site_client.get("/patterns/greeting").text
    assert text.count('class="prose" hx-disable') >= 2


def test_tag_page(site_client: TestClient) -> None:
    assert "Greeting People" in site_client.get("/tags/greeting").text
    assert site_client.get("/tags/nothing", headers={"accept": "text/html"}).status_code == 404


@pytest.mark.parametrize("path", ["/patterns/nope", "/sections/nope", "/nope", "/examples/nope/x"])
def test_unknown_pages_are_404_pages_with_a_search_box(site_client: TestClient, path: str) -> None:
    response = site_client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 404
    assert 'name="q"' in response.text and "Not found" in response.text


def test_search_page_works_without_javascript(site_client: TestClient) -> None:
    response = site_client.get("/search", params={"q": "farew"})
    assert response.status_code == 200
    assert "<html" in response.text and 'href="/patterns/farewell?hl=farew' in response.text
    assert "HX-Request" in response.headers["vary"]


def test_search_as_you_type_returns_a_fragment(site_client: TestClient) -> None:
    response = site_client.get("/search", params={"q": "farew"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert "<mark>Farew" in response.text or "<mark>farew" in response.text.lower()


@pytest.mark.parametrize("query", ["", '"', "AND", "-", "*", ":", "C++", "x" * 1000, "<script>"])
def test_search_any_input_is_200(site_client: TestClient, query: str) -> None:
    response = site_client.get("/search", params={"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.text.split("<main", 1)[1]


def test_no_results_says_so(site_client: TestClient) -> None:
    text = site_client.get("/search", params={"q": "zzzzqqq"}, headers={"HX-Request": "true"}).text
    assert "No pattern matches" in text


def test_no_results_suggests_the_closest_entries_not_the_first_ones(
    site_client: TestClient,
) -> None:
    # "greeting" comes first in the catalogue; "far…" is closest to the farewell entry.
    text = site_client.get("/search", params={"q": "farxyzq "}, headers={"HX-Request": "true"}).text
    links = re.findall(r'<a class="hit" href="([^"]+)"([^>]*)>', text)
    assert links[0] == ("/patterns/farewell", "")  # a suggestion: no data-match


def test_relaxed_results_say_so_and_mark_the_complete_hits(site_client: TestClient) -> None:
    text = site_client.get("/search", params={"q": "fixture goodbyes"}).text
    assert "Only one entry has all of “fixture” and “goodbyes” — then entries with most" in text
    entries = re.findall(r'<a class="hit" href="(/patterns/[a-z-]+)[^"]*"([^>]*)>', text)
    assert entries == [("/patterns/farewell", ' data-match="all"'), ("/patterns/greeting", "")]
    text = site_client.get("/search", params={"q": "fixture"}).text
    assert "most of them" not in text
    assert all(
        extra == ' data-match="all"'
        for _, extra in re.findall(r'<a class="hit" href="([^"]+)"([^>]*)>', text)
    )


def test_search_answers_are_kept_unless_the_cache_is_off(site_settings: Settings) -> None:
    for cached in (True, False):
        settings = site_settings.model_copy(update={"search_cache": cached})
        with TestClient(create_app(settings)) as client:
            client.get("/search", params={"q": "fixture"})
            client.get("/api/search", params={"q": "fixture"})
            kb = client.app.state.kb  # type: ignore[attr-defined]
            assert (len(kb.responses) > 0) is cached
            assert (kb.index.cache_size > 0) is cached


def test_pages_load_nothing_from_other_origins(site_client: TestClient) -> None:
    for path in ["/", "/patterns/greeting", "/search?q=x", "/docs", "/examples/greeting/docs"]:
        text = site_client.get(path).text
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path


def test_static_assets_are_served(site_client: TestClient) -> None:
    for path in [
        "/static/site.css",
        "/static/site.js",
        "/static/vendor/htmx.min.js",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/highlight.css",
    ]:
        assert site_client.get(path).status_code == 200, path
    assert 'html[data-theme="dark"] .highlight' in site_client.get("/highlight.css").text


def test_a_broken_entry_does_not_stop_the_site(site_settings: Settings) -> None:
    (site_settings.content_dir / "broken.md").write_text("no front matter\n")
    with TestClient(create_app(site_settings)) as client:
        assert client.get("/patterns/greeting").status_code == 200
        health = client.get("/healthz?wait=true").json()
    assert health["status"] == "degraded"
    assert any("broken.md:1:1: KB102" in p for p in health["problems"])


def test_going_back_to_a_pushed_search_url_gets_the_whole_page(site_client: TestClient) -> None:
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = site_client.get("/search", params={"q": "farew"}, headers=headers)
    assert "<html" in response.text


def test_search_page_keeps_filters_while_typing(site_client: TestClient) -> None:
    text = site_client.get("/search", params={"q": "fixture", "section": "Core Patterns"}).text
    assert 'name="section" value="Core Patterns"' in text
    assert 'hx-include="closest form"' in text
    assert "Clear filters" in text


# --- search: pages, the dropdown, highlights -------------------------------------------------


@pytest.fixture
def one_per_page(site_settings: Settings) -> Iterator[TestClient]:
    """The fixture site (two entries tagged `fixture`) with one search result a page."""
    with TestClient(create_app(site_settings.model_copy(update={"search_limit": 1}))) as client:
        yield client


def hit_links(text: str) -> list[str]:
    return re.findall(r'<a class="hit" href="([^"]+)" data-match="all"', text)


def test_search_pages_through_every_result(one_per_page: TestClient) -> None:
    first = one_per_page.get("/search", params={"q": "fixture"})
    assert first.status_code == 200
    assert "Results 1–1 of 2" in first.text
    assert '<link rel="next" href="/search?q=fixture&amp;page=2">' in first.text
    assert 'rel="prev"' not in first.text
    assert 'aria-current="page" aria-label="Page 1, this page"' in first.text

    second = one_per_page.get("/search", params={"q": "fixture", "page": "2"})
    assert second.status_code == 200
    assert "Results 2–2 of 2" in second.text
    assert '<link rel="prev" href="/search?q=fixture">' in second.text
    assert 'rel="next"' not in second.text
    assert '<span class="pager-off" aria-disabled="true">Next →</span>' in second.text
    pages = [hit_links(first.text), hit_links(second.text)]
    assert len(pages[0]) == len(pages[1]) == 1 and pages[0] != pages[1]


def test_page_links_keep_the_filters(one_per_page: TestClient) -> None:
    params = {"q": "fixture", "tag": "fixture", "exact": "true"}
    text = one_per_page.get("/search", params=params).text
    assert 'href="/search?q=fixture&amp;tag=fixture&amp;exact=1&amp;page=2"' in text


def test_a_page_past_the_end_says_where_the_results_end(one_per_page: TestClient) -> None:
    for page in ["5", "999999999"]:
        response = one_per_page.get("/search", params={"q": "fixture", "page": page})
        assert response.status_code == 200
        assert (
            f"There is no page {page}: the 2 results for “fixture” end on page 2." in response.text
        )
        last = re.search(r'<a href="([^"]+)"[^>]*>Go to the last page</a>', response.text)
        assert last is not None and last.group(1) == "/search?q=fixture&amp;page=2"
        assert hit_links(response.text) == []
        assert "No pattern matches" not in response.text


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "１", "12345678901"])
def test_a_page_that_is_not_a_page_number_is_a_400(one_per_page: TestClient, page: str) -> None:
    response = one_per_page.get("/search", params={"q": "fixture", "page": page})
    assert response.status_code == 400
    assert "is not a page number: pages are numbered from 1" in response.text
    assert "Results 1–1 of 2" in response.text  # and the first page, to go on from
    htmx = one_per_page.get(
        "/search", params={"q": "fixture", "page": page}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 400 and "<html" not in htmx.text


def test_the_page_fragment_pages_with_htmx(one_per_page: TestClient) -> None:
    text = one_per_page.get(
        "/search", params={"q": "fixture", "page": "2"}, headers={"HX-Request": "true"}
    ).text
    assert "<html" not in text
    assert 'hx-target="#search-results" hx-push-url="true"' in text
    assert 'hx-get="/search?q=fixture" rel="prev"' in text
    assert 'role="listbox"' not in text


def test_the_dropdown_is_a_listbox_of_options(site_client: TestClient) -> None:
    text = site_client.get(
        "/search", params={"q": "fixture", "popup": "true"}, headers={"HX-Request": "true"}
    ).text
    assert 'id="search-listbox" role="listbox"' in text and 'data-q="fixture"' in text
    links = re.findall(r'<a class="hit"[^>]*>', text)
    assert links and all('role="option" tabindex="-1"' in link for link in links)
    assert all('data-match="all"' in link for link in links)
    assert 'class="pager"' not in text and "result-range" not in text
    # Without htmx, `popup` is ignored: the whole page.
    page = site_client.get("/search", params={"q": "fixture", "popup": "true"}).text
    assert "<html" in page and 'role="listbox"' not in page


def test_the_dropdowns_suggestions_are_options_without_data_match(site_client: TestClient) -> None:
    text = site_client.get(
        "/search", params={"q": "zzzzqqq", "popup": "true"}, headers={"HX-Request": "true"}
    ).text
    assert "No pattern matches" in text and 'role="listbox"' in text
    links = re.findall(r'<a class="hit"[^>]*>', text)
    assert links and all('role="option"' in link and "data-match" not in link for link in links)


def test_result_links_carry_the_words_to_highlight(site_client: TestClient) -> None:
    text = site_client.get("/search", params={"q": "farew"}).text
    links = [link for link in hit_links(text) if link.startswith("/patterns/farewell")]
    assert links and all(re.match(r"/patterns/farewell\?hl=farewell(#|$)", link) for link in links)


def test_an_empty_facet_has_no_heading(site_client: TestClient) -> None:
    text = site_client.get("/search", params={"q": "fixture"}).text
    assert "<h2>Section</h2>" in text and "<h2>Tag</h2>" in text
    text = site_client.get("/search", params={"q": "fixture", "section": "Nowhere"}).text
    assert "<h2>Section</h2>" in text and "<h2>Tag</h2>" not in text


@pytest.mark.parametrize(
    ("page", "pages", "numbers"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (6, 12, [1, None, 4, 5, 6, 7, 8, None, 12]),
        (2, 12, [1, 2, 3, 4, None, 12]),
        (4, 7, [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_pager_numbers(page: int, pages: int, numbers: list[int | None]) -> None:
    assert Pager(page, 10, pages * 10, "q=x").numbers() == numbers


def test_pager_bounds() -> None:
    pager = Pager(3, 20, 46, "q=request")
    assert (pager.pages, pager.first, pager.last(6), pager.previous, pager.next) == (
        3,
        41,
        46,
        2,
        None,
    )
    assert pager.url(1) == "/search?q=request" and pager.url(2) == "/search?q=request&page=2"
    past = Pager(9, 20, 46, "q=request")
    assert past.past_the_end and past.previous is None and past.next is None
    assert not Pager(1, 20, 0, "q=x").past_the_end
    assert Pager(1, 20, 10**6, "q=x").pages == MAX_OFFSET // 20 + 1


@pytest.mark.parametrize(
    ("text", "number"),
    [("1", 1), (" 7 ", 7), ("0", None), ("-2", None), ("x", None), ("²", None), ("", None)],
)
def test_page_number(text: str, number: int | None) -> None:
    assert page_number(text) == number


def test_with_highlight() -> None:
    assert with_highlight("/patterns/a", "") == "/patterns/a"
    assert with_highlight("/patterns/a", "cursor page") == "/patterns/a?hl=cursor+page"
    assert with_highlight("/patterns/a#b", "x&y") == "/patterns/a?hl=x%26y#b"
    assert with_highlight("/patterns/a?v=1#b", "x") == "/patterns/a?v=1&hl=x#b"


def test_highlight_terms_are_the_words_the_engine_marked() -> None:
    hit = Hit(
        "a", "A", "S", "", "/patterns/a", "<mark>Requests</mark> and <mark>request</mark>", 1.0
    )
    assert highlight_terms("req", Results("req", hits=[hit])) == "request"
    plain = Hit("a", "A", "S", "", "/patterns/a", "no marks", 1.0)
    assert highlight_terms("two  words", Results("two words", hits=[plain])) == "two words"
    corrected = Results("x", hits=[plain], corrected="fixed")
    assert highlight_terms("fixd", corrected) == "fixed"

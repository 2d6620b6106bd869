import gzip
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from kb.middleware.pagecache import Page, PageCache
from kb.settings import Settings


def request(**headers: str) -> Request:
    raw = [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def test_a_page_is_rendered_once() -> None:
    cache = PageCache()
    calls: list[int] = []
    render = lambda: calls.append(1) or "<p>hello</p>"  # noqa: E731
    first = cache.get("/", render, "text/html")
    assert cache.get("/", render, "text/html") is first and calls == [1]
    cache.clear()
    cache.get("/", render, "text/html")
    assert calls == [1, 1]


def test_etag_304_and_gzip() -> None:
    page = Page.of(b"x" * 2000, "text/html")
    plain = page.respond(request())
    assert plain.status_code == 200 and plain.body == b"x" * 2000
    assert plain.headers["etag"] == page.etag and "content-encoding" not in plain.headers
    zipped = page.respond(request(accept_encoding="gzip, br"))
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == b"x" * 2000
    assert page.respond(request(if_none_match=page.etag)).status_code == 304
    assert page.respond(request(if_none_match=f'"other", W/{page.etag}')).status_code == 304
    assert page.respond(request(if_none_match='"other"')).status_code == 200


def test_small_pages_are_not_compressed() -> None:
    assert Page.of(b"tiny", "text/plain").gzipped is None


def test_pages_are_served_from_memory_with_etags(site_client: TestClient) -> None:
    first = site_client.get("/patterns/greeting")
    etag = first.headers["etag"]
    assert first.headers["content-encoding"] == "gzip"  # httpx2 asks for gzip
    assert site_client.get("/patterns/greeting").text == first.text
    again = site_client.get("/patterns/greeting", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert site_client.get("/", headers={"If-None-Match": etag}).status_code == 200


def test_other_text_responses_are_gzipped_when_large(site_client: TestClient) -> None:
    response = site_client.get("/api/patterns/greeting")
    assert response.headers["content-encoding"] == "gzip"


def test_a_cached_page_skips_the_router_but_keeps_every_guard(site_client: TestClient) -> None:
    site_client.get("/patterns/greeting")  # rendered and cached
    hit = site_client.get("/patterns/greeting")
    assert hit.status_code == 200
    assert "content-security-policy" in hit.headers and "x-request-id" in hit.headers
    assert (
        site_client.get("/patterns/greeting", headers={"host": "evil.example"}).status_code == 400
    )
    metrics = site_client.get("/metrics").text
    assert 'kb_requests_total{method="GET",route="/patterns/{slug}",status="200"} 2.0' in metrics


def test_the_cache_serves_what_the_router_would(site_client: TestClient) -> None:
    first = site_client.get("/sections/core-patterns", headers={"accept-encoding": "identity"})
    second = site_client.get("/sections/core-patterns", headers={"accept-encoding": "identity"})
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    assert site_client.post("/patterns/greeting").status_code == 405  # only GET is cached


def test_search_answers_are_kept_by_url_host_and_htmx(
    site_client: TestClient, site_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = site_client.app.state.kb  # type: ignore[attr-defined]
    searched: list[str] = []
    search = kb.index.search

    def counting_search(text: str, *args: Any, **kwargs: Any) -> Any:
        searched.append(text)
        return search(text, *args, **kwargs)

    monkeypatch.setattr(kb.index, "search", counting_search)
    page = site_client.get("/search", params={"q": "farew"})
    fragment = site_client.get("/search", params={"q": "farew"}, headers={"HX-Request": "true"})
    api = site_client.get("/api/search", params={"q": "farew"})
    assert "<html" in page.text and "<html" not in fragment.text
    assert api.json()["results"][0]["url"].startswith("http://testserver/")
    assert len(searched) == 3  # a page, a fragment and JSON: three answers
    again = site_client.get("/search", params={"q": "farew"}, headers={"HX-Request": "true"})
    assert again.text == fragment.text and len(searched) == 3  # kept, not searched again
    assert "HX-Request" in again.headers["vary"]
    etag = api.headers["etag"]
    assert (
        site_client.get("/api/search?q=farew", headers={"If-None-Match": etag}).status_code == 304
    )
    # The JSON holds absolute URLs: another host name gets its own answer.
    elsewhere = site_client.get("/api/search", params={"q": "farew"}, headers={"host": "localhost"})
    assert elsewhere.json()["results"][0]["url"].startswith("http://localhost/")
    assert len(searched) == 4
    # Reloaded content forgets every kept answer.
    farewell = site_settings.content_dir / "farewell.md"
    farewell.write_text(farewell.read_text().replace("Saying Farewell", "Farewell, Friends"))
    kb.load_content()
    assert site_client.get("/api/search?q=farew").json()["results"][0]["title"] == (
        "Farewell, Friends"
    )


def test_the_response_cache_is_bounded() -> None:
    cache = PageCache(max_size=2)
    for key in ("a", "b", "c"):
        cache.put(key, Page.of(key.encode(), "text/plain"))
    assert cache.peek("a") is None and len(cache) == 2

import re

from fastapi.testclient import TestClient

from kb.app import create_app
from kb.settings import Settings


def test_list_patterns(site_client: TestClient) -> None:
    patterns = site_client.get("/api/patterns").json()
    assert [p["slug"] for p in patterns] == ["greeting", "farewell"]
    assert patterns[0]["url"] == "http://testserver/patterns/greeting"
    assert patterns[0]["api_url"] == "http://testserver/api/patterns/greeting"


def test_get_pattern_includes_try_blocks_and_urls(site_client: TestClient) -> None:
    pattern = site_client.get("/api/patterns/greeting").json()
    assert pattern["example"] == "greeter"
    assert pattern["example_url"] == "http://testserver/examples/greeting/"
    assert pattern["docs_url"] == "http://testserver/examples/greeting/docs"
    first = pattern["try_blocks"][0]
    assert first["method"] == "POST" and first["expected_status"] == 201
    assert first["url"] == "http://testserver/examples/greeting/names"
    assert pattern["try_blocks"][2]["captures"] == ["token"]
    assert first["form_data"] == []
    assert pattern["try_blocks"][4]["form_data"] == [
        "note: a greeting",
        "file: file,hello.txt; text/plain",
    ]
    assert pattern["headings"][0] == {"level": 2, "anchor": "adding-names", "text": "Adding names"}


def test_unknown_pattern_is_a_json_404(site_client: TestClient) -> None:
    response = site_client.get("/api/patterns/nope", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.json() == {"detail": "No pattern 'nope'."}


def test_search_api(site_client: TestClient) -> None:
    body = site_client.get("/api/search", params={"q": "farew", "limit": 1}).json()
    assert body["query"] == "farew" and body["count"] == 1 and body["total"] == 2
    assert body["corrected_query"] is None and body["timed_out"] is False
    result = body["results"][0]
    assert set(result) == {
        "slug",
        "title",
        "section",
        "url",
        "anchor",
        "snippet",
        "score",
        "matched_all",
        "sections",
    }
    assert result["url"].startswith("http://testserver/patterns/farewell")
    assert {f["value"] for f in body["facets"]["section"]} == {"Core Patterns", "Best Practices"}


def test_search_api_deep_links_and_corrections(site_client: TestClient) -> None:
    body = site_client.get("/api/search", params={"q": "loging in"}).json()
    assert body["corrected_query"] == "logging in"
    result = body["results"][0]
    assert result["anchor"] == "logging-in"
    assert result["url"] == "http://testserver/patterns/greeting#logging-in"
    assert result["sections"][0]["url"] == "http://testserver/patterns/greeting#logging-in"


def test_search_api_says_when_a_query_was_relaxed(site_client: TestClient) -> None:
    body = site_client.get("/api/search", params={"q": "how do I say fixture goodbyes"}).json()
    assert body["words"] == ["say", "fixture", "goodbyes"]  # "how do I" decide nothing
    assert body["complete"] == 1 and body["relaxed"] is True
    assert [(r["slug"], r["matched_all"]) for r in body["results"]] == [
        ("farewell", True),
        ("greeting", False),
    ]
    assert body["dropped"] and body["suggestions"] == []
    plain = site_client.get("/api/search", params={"q": "farew"}).json()
    assert plain["relaxed"] is False and plain["dropped"] == []
    assert all(r["matched_all"] for r in plain["results"])


def test_search_api_suggests_the_closest_entries_when_nothing_matches(
    site_client: TestClient,
) -> None:
    body = site_client.get("/api/search", params={"q": "farxyz"}).json()
    assert body["total"] == 0 and body["results"] == []
    # "far…" starts a word of the farewell entry's title.
    assert body["suggestions"][0]["slug"] == "farewell"
    assert body["suggestions"][0]["url"] == "http://testserver/patterns/farewell"


def test_search_api_filters(site_client: TestClient) -> None:
    body = site_client.get("/api/search", params={"q": "fixture", "tag": "greeting"}).json()
    assert [r["slug"] for r in body["results"]] == ["greeting"]


def test_search_api_validates_limit(site_client: TestClient) -> None:
    assert site_client.get("/api/search", params={"q": "x", "limit": 0}).status_code == 422
    assert site_client.get("/api/search", params={"q": "x", "limit": "many"}).status_code == 422


def test_healthz(site_client: TestClient) -> None:
    assert site_client.get("/healthz").json() == {
        "status": "ok",
        "examples_starting": False,
        "entries": 2,
        "broken_entries": 0,
        "examples_running": 1,
        "sandboxes_alive": 1,
        "problems": [],
    }


def test_openapi_and_local_docs(site_client: TestClient) -> None:
    schema = site_client.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/patterns",
        "/api/patterns/{slug}",
        "/api/search",
        "/healthz",
        "/metrics",
    }
    docs = site_client.get("/docs").text
    assert re.search(r'src="/static/vendor/swagger-ui/swagger-ui-bundle\.[0-9a-f]{10}\.js"', docs)
    assert 'data-openapi-url="/openapi.json"' in docs


def test_healthz_says_when_the_examples_are_still_starting(site_settings: Settings) -> None:
    site = create_app(site_settings)
    with TestClient(site) as client:
        # Before any request, an idle server waits a moment before starting them.
        starting = client.get("/healthz").json()
        waited = client.get("/healthz", params={"wait": "true"}).json()
    assert (starting["status"], starting["examples_starting"]) == ("starting", True)
    assert (waited["status"], waited["examples_starting"]) == ("ok", False)
    assert waited["examples_running"] == 1


def test_a_pattern_lists_its_websocket_conversations(project_client: TestClient) -> None:
    pattern = project_client.get("/api/patterns/websockets").json()
    lobby, forged, cross = pattern["websocket_blocks"][:3]
    assert lobby["path"] == "/ws/lobby?ticket={{ticket}}"
    assert lobby["url"] == "ws://testserver/examples/websockets/ws/lobby?ticket={{ticket}}"
    assert lobby["variables"] == ["ticket"]
    assert lobby["steps"][0] == {
        "send": None,
        "expect": '{"type": "joined", "user": "ann", "members": ["ann"]}',
        "asserts": [],
        "close": None,
        "reason": None,
    }
    assert lobby["steps"][1]["send"] == '{"text": "Hello, lobby!"}'
    assert lobby["source"].startswith("WS /ws/lobby?ticket={{ticket}}\n<")
    assert forged["steps"] == [
        {"send": None, "expect": None, "asserts": [], "close": 1008, "reason": "not authenticated"}
    ]
    assert cross["headers"] == [["Cookie", "session=ann-token"], ["Origin", "https://evil.example"]]
    https = TestClient(project_client.app, base_url="https://testserver")
    secure = https.get("/api/patterns/websockets").json()["websocket_blocks"][0]
    assert secure["url"].startswith("wss://testserver/examples/websockets/ws/lobby")
    assert project_client.get("/api/patterns/query-parameters").json()["websocket_blocks"] == []

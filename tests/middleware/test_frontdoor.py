"""The front door on its own, in front of a small app: what each request gets on the way in
and out, whichever way it is answered."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request, Response, WebSocket
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse
from starlette.types import Message, Receive, Scope, Send

from kb.middleware.frontdoor import Cached, FrontDoor, Guards
from kb.middleware.observability import Metrics
from kb.middleware.pagecache import Page, PageCache
from kb.middleware.ratelimit import RateLimiter, Rule
from kb.middleware.security import CONTENT_SECURITY_POLICY, BodyLimit, TrustedHosts
from kb.sandbox import readers

SECRET = "s" * 40


@pytest.fixture
def pages() -> PageCache:
    cache = PageCache()
    cache.put("/cached", Page.of(b"<p>from memory</p>" * 40, "text/html", "/cached"))
    return cache


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(sandboxes_alive=lambda: 0)


@pytest.fixture
def front_client(pages: PageCache, metrics: Metrics) -> Iterator[TestClient]:
    """A client of a small app behind the front door: 2 searches a minute, 100-byte bodies."""
    app = FastAPI()

    @app.get("/reader")
    async def reader(request: Request) -> dict:
        return {"reader": readers.reader_of(request.scope)}

    @app.get("/own-headers")
    async def own_headers() -> Response:
        response = Response(
            "x", headers={"x-request-id": "theirs", "x-frame-options": "SAMEORIGIN"}
        )
        response.set_cookie("theirs", "1")
        return response

    @app.post("/try/echo")
    async def echo(request: Request) -> Response:
        return Response(await request.body())

    @app.get("/search")
    async def search() -> Response:
        return Response("results")

    guards = Guards(
        hosts=TrustedHosts(["testserver"]),
        limiter=RateLimiter([Rule.per_minute("search", "/search", 2)]),
        body_limit=BodyLimit(100, prefixes=("/try/",)),
        secret=SECRET,
    )
    # Outermost, around the app, as kb.app serves it.
    door = FrontDoor(app, guards, Cached(pages, PageCache(), response_paths=()), metrics)
    with TestClient(door) as client:
        yield client


def assert_guarded(response: Response) -> None:
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.headers["x-request-id"]) == 32


def test_refusals_are_plain_text_with_every_header(front_client: TestClient) -> None:
    wrong_host = front_client.get("/reader", headers={"host": "evil.example"})
    assert (wrong_host.status_code, wrong_host.text) == (400, "Invalid host header")
    too_big = front_client.post("/try/echo", content=b"x" * 101)
    assert (too_big.status_code, too_big.text) == (
        413,
        "Request body too large: the limit is 100 bytes.",
    )
    front_client.get("/search")
    front_client.get("/search")
    limited = front_client.get("/search")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    for response in (wrong_host, too_big, limited):
        assert_guarded(response)
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert "set-cookie" not in response.headers  # refused before a reader is chosen


def test_a_body_under_the_limit_arrives_whole_even_when_chunked(front_client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b"a" * 50
        yield b"b" * 50

    assert front_client.post("/try/echo", content=chunks()).content == b"a" * 50 + b"b" * 50


def test_a_new_reader_gets_a_cookie_and_then_is_known(front_client: TestClient) -> None:
    first = front_client.get("/reader")
    assert first.json() == {"reader": readers.PUBLIC}
    assert first.headers["set-cookie"].startswith(f"{readers.COOKIE}=")
    second = front_client.get("/reader")
    assert (
        second.json()["reader"] not in (readers.PUBLIC, "") and "set-cookie" not in second.headers
    )


def test_a_request_from_an_opaque_origin_gets_no_reader_cookie(front_client: TestClient) -> None:
    # An example page's form or fetch(): the reader's own cookie was withheld, not missing.
    response = front_client.get("/reader", headers={"origin": "null"})
    assert response.json() == {"reader": readers.PUBLIC}
    assert "set-cookie" not in response.headers
    other_site = front_client.get("/reader", headers={"origin": "https://elsewhere.example"})
    assert other_site.headers["set-cookie"].startswith(f"{readers.COOKIE}=")


def test_the_apps_own_headers_and_cookies(front_client: TestClient) -> None:
    response = front_client.get("/own-headers")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"  # the app's own wins
    assert response.headers["x-request-id"] != "theirs"  # the request id is always ours
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("theirs=") for c in cookies)
    assert any(c.startswith(f"{readers.COOKIE}=") for c in cookies)


@pytest.fixture
def page(pages: PageCache) -> Page:
    cached = pages.peek("/cached")
    assert cached is not None
    return cached


def test_a_cached_page_is_answered_with_every_header(
    front_client: TestClient, page: Page, metrics: Metrics
) -> None:
    response = front_client.get("/cached", headers={"accept-encoding": "identity"})
    assert response.content == page.body and response.headers["etag"] == page.etag
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert_guarded(response)
    zipped = front_client.get("/cached", headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == page.body
    assert front_client.get("/cached", headers={"if-none-match": page.etag}).status_code == 304
    assert front_client.post("/cached").status_code == 404  # only GETs are answered here
    text = metrics.render().decode()
    assert 'kb_requests_total{method="GET",route="/cached",status="200"} 2.0' in text
    assert 'kb_requests_total{method="GET",route="/cached",status="304"} 1.0' in text


def test_request_ids_from_the_client_are_kept_when_sane(front_client: TestClient) -> None:
    kept = front_client.get("/reader", headers={"x-request-id": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    replaced = front_client.get("/reader", headers={"x-request-id": "<script>"})
    assert replaced.headers["x-request-id"] != "<script>"


@pytest.fixture
def socket_client(metrics: Metrics) -> Iterator[TestClient]:
    """A small app with a WebSocket behind the front door: 2 handshakes a minute."""
    app = FastAPI()

    @app.get("/reader")
    async def reader(request: Request) -> dict:
        return {"reader": readers.reader_of(request.scope)}

    @app.websocket("/examples/socket")
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"reader": readers.reader_of(websocket.scope)})
        await websocket.close()

    guards = Guards(
        hosts=TrustedHosts(["testserver"]),
        limiter=RateLimiter([Rule.per_minute("examples", "/examples/", 2)]),
        body_limit=BodyLimit(100, prefixes=("/examples/",)),
        secret=SECRET,
    )
    door = FrontDoor(app, guards, Cached(PageCache(), PageCache(), ()), metrics)
    with TestClient(door) as client:
        yield client


def test_a_websocket_knows_its_reader_by_the_cookie(socket_client: TestClient) -> None:
    with socket_client.websocket_connect("/examples/socket") as websocket:
        assert websocket.receive_json() == {"reader": readers.PUBLIC}
    reader = socket_client.get("/reader").headers["set-cookie"]  # a page gives the cookie
    assert reader.startswith(f"{readers.COOKIE}=")
    known = socket_client.get("/reader").json()["reader"]
    with socket_client.websocket_connect("/examples/socket") as websocket:
        assert websocket.receive_json() == {"reader": known}


def test_a_websocket_handshake_is_refused_as_a_request_is(
    socket_client: TestClient, metrics: Metrics
) -> None:
    with (
        pytest.raises(WebSocketDenialResponse) as wrong_host,
        socket_client.websocket_connect("/examples/socket", headers={"host": "evil.example"}),
    ):
        pass
    assert (wrong_host.value.status_code, wrong_host.value.text) == (400, "Invalid host header")
    assert_guarded(wrong_host.value)  # type: ignore[arg-type]
    for _ in range(2):
        with socket_client.websocket_connect("/examples/socket") as websocket:
            websocket.receive_json()
    with (
        pytest.raises(WebSocketDenialResponse) as limited,
        socket_client.websocket_connect("/examples/socket"),
    ):
        pass
    assert limited.value.status_code == 429
    assert int(limited.value.headers["retry-after"]) >= 1
    assert limited.value.text.startswith("Too many requests: at most 2 per minute.")
    text = metrics.render().decode()
    # Refused before routing: labelled by the mount the path is under.
    assert 'kb_requests_total{method="WEBSOCKET",route="/examples",status="429"} 1.0' in text
    assert 'kb_requests_total{method="WEBSOCKET",route="/examples",status="400"} 1.0' in text
    route = 'method="WEBSOCKET",route="/examples/socket"'
    assert f'kb_requests_total{{{route},status="101"}} 2.0' in text
    assert "kb_request_duration_seconds_count{" not in text  # a connection has no latency


@pytest.mark.anyio
async def test_without_the_denial_extension_a_refusal_closes_with_a_code(
    metrics: Metrics,
) -> None:
    async def never(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("refused handshakes never reach the app")

    guards = Guards(
        hosts=TrustedHosts(["testserver"]),
        limiter=RateLimiter([Rule.per_minute("examples", "/examples/", 1)]),
        body_limit=BodyLimit(0, prefixes=()),
        secret=SECRET,
    )
    door = FrontDoor(never, guards, Cached(PageCache(), PageCache(), ()), metrics)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    def scope(host: bytes) -> Scope:
        return {"type": "websocket", "path": "/examples/x", "headers": [(b"host", host)]}

    await door(scope(b"evil.example"), receive, send)
    with pytest.raises(AssertionError, match="never reach"):
        await door(scope(b"testserver"), receive, send)  # the first one passes
    await door(scope(b"testserver"), receive, send)
    assert [(m["type"], m["code"]) for m in sent] == [
        ("websocket.close", 1008),
        ("websocket.close", 1013),
    ]


def test_head_is_answered_as_the_get_without_its_body(
    front_client: TestClient, page: Page, metrics: Metrics
) -> None:
    cached = front_client.head("/cached", headers={"accept-encoding": "identity"})
    assert (cached.status_code, cached.content) == (200, b"")
    assert cached.headers["content-length"] == str(len(page.body))
    assert cached.headers["etag"] == page.etag
    assert_guarded(cached)
    # A GET route of the app, which FastAPI alone answers HEAD on with 405.
    passed = front_client.head("/reader")
    assert (passed.status_code, passed.content) == (200, b"")
    assert_guarded(passed)
    assert front_client.head("/try/echo").status_code == 405  # a POST route is still one
    text = metrics.render().decode()
    assert 'kb_requests_total{method="HEAD",route="/cached",status="200"} 1.0' in text
    assert 'kb_requests_total{method="HEAD",route="/reader",status="200"} 1.0' in text


def test_under_the_paths_kept_the_app_answers_head_itself(metrics: Metrics) -> None:
    app = FastAPI()

    @app.get("/examples/x/items")
    async def items() -> list[int]:
        return [1]

    guards = Guards(
        TrustedHosts(["testserver"]), RateLimiter([]), BodyLimit(100, prefixes=()), SECRET
    )
    cached = Cached(PageCache(), PageCache(), response_paths=())
    door = FrontDoor(app, guards, cached, metrics, heads_kept=("/examples/",))
    with TestClient(door) as client:
        assert client.get("/examples/x/items").json() == [1]
        assert client.head("/examples/x/items").status_code == 405  # as FastAPI answers


def test_a_reader_is_known_by_a_second_cookie_header(front_client: TestClient) -> None:
    reader = readers.new_reader()
    signed = readers.sign(reader, SECRET)
    both = [(b"cookie", b"theme=dark"), (b"cookie", f"{readers.COOKIE}={signed}".encode())]
    for headers in (both, both[::-1]):
        response = front_client.get("/reader", headers=headers)
        assert response.json() == {"reader": reader}
        assert "set-cookie" not in response.headers
        cached = front_client.get("/cached", headers=headers)
        assert cached.status_code == 200 and "set-cookie" not in cached.headers

import pytest
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.middleware.security import (
    CONTENT_SECURITY_POLICY,
    REDOC_CONTENT_SECURITY_POLICY,
    BodyLimit,
    TrustedHosts,
)
from kb.sandbox.mount import EXAMPLE_CONTENT_SECURITY_POLICY, scope_cookie
from kb.settings import Settings


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/patterns/greeting",
        "/search?q=x",
        "/api/patterns",
        "/examples/greeting/names",
        "/docs",
        "/examples/greeting/docs",
    ],
)
def test_every_response_has_the_security_headers(site_client: TestClient, path: str) -> None:
    headers = site_client.get(path).headers
    # What the example itself answers runs sandboxed; every page of the KB's, strict.
    own = EXAMPLE_CONTENT_SECURITY_POLICY if path.endswith("/names") else CONTENT_SECURITY_POLICY
    assert headers.get_list("content-security-policy") == [own]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in headers  # only over HTTPS


def directives(policy: str) -> dict[str, str]:
    return dict(d.split(" ", 1) for d in policy.split("; "))


def test_the_csp_forbids_inline_and_eval_scripts_and_framing() -> None:
    kb = directives(CONTENT_SECURITY_POLICY)
    assert kb["script-src"] == "'self'"
    assert kb["default-src"] == "'self'"
    assert kb["frame-ancestors"] == "'none'"
    assert "sandbox" not in kb


def test_redocs_page_adds_only_blob_workers() -> None:
    redoc = directives(REDOC_CONTENT_SECURITY_POLICY)
    assert redoc.pop("worker-src") == "'self' blob:"
    assert redoc == directives(CONTENT_SECURITY_POLICY)


def test_example_pages_run_their_scripts_in_an_opaque_origin() -> None:
    example = directives(EXAMPLE_CONTENT_SECURITY_POLICY)
    flags = example["sandbox"].split()
    assert "allow-scripts" in flags and "allow-forms" in flags
    # Any of these would give the page the KB's origin, or a way out of the sandbox.
    assert not {"allow-same-origin", "allow-popups-to-escape-sandbox"} & set(flags)
    assert not any(flag.startswith("allow-top-navigation") for flag in flags)
    assert "'unsafe-inline'" in example["script-src"].split()
    for directive in ("default-src", "connect-src", "form-action"):
        assert example[directive] == "'self'"  # nothing from another host
    assert example["frame-ancestors"] == "'none'"


def test_hsts_over_https(site_settings: Settings) -> None:
    with TestClient(create_app(site_settings), base_url="https://testserver") as client:
        assert client.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_unknown_hosts_are_refused(site_client: TestClient) -> None:
    assert site_client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_trusted_hosts_are_a_setting(site_settings: Settings) -> None:
    site_settings.trusted_hosts = ["kb.example.com"]
    with TestClient(create_app(site_settings), base_url="http://kb.example.com") as client:
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/try/greeting", "/examples/greeting/names"])
def test_bodies_over_the_limit_are_413(site_client: TestClient, path: str) -> None:
    response = site_client.post(path, content=b"x" * (64 * 1024 + 1))
    assert response.status_code == 413
    assert "64 KiB" in response.text


def test_a_chunked_body_over_the_limit_is_413(site_client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(70):
            yield b"x" * 1024

    response = site_client.post("/examples/greeting/names", content=chunks())
    assert response.status_code == 413


def test_a_chunked_body_under_the_limit_reaches_the_example(site_client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"name": '
        yield b'"chunked"}'

    response = site_client.post(
        "/examples/greeting/names", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "path",
    [
        "/static/../kb/settings.py",
        "/static/%2e%2e/kb/settings.py",
        "/static/%2e%2e%2fkb%2fsettings.py",
        "/static/..%5ckb%5csettings.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/examples/../kb/settings.py",
        "/examples/%2e%2e/kb/settings.py",
        "/examples/greeting/%2e%2e/%2e%2e/kb/settings.py",
        "/examples/..%5c..%5ckb/settings.py",
    ],
)
def test_path_traversal_is_404(site_client: TestClient, path: str) -> None:
    response = site_client.get(path)
    assert response.status_code == 404
    assert "pydantic_settings" not in response.text


def test_example_cookies_are_scoped_to_the_examples_mount() -> None:
    assert (
        scope_cookie("sid=1; Path=/; HttpOnly", "/examples/x")
        == "sid=1; HttpOnly; Path=/examples/x/"
    )
    assert (
        scope_cookie("sid=1; path=/token/refresh", "/examples/x")
        == "sid=1; Path=/examples/x/token/refresh"
    )
    assert scope_cookie("sid=1", "/examples/x") == "sid=1; Path=/examples/x/"


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        (b"kb.example.com", True),
        (b"KB.Example.com:8000", True),
        (b"docs.example.org", True),
        (b"example.org", False),
        (b"evil.com", False),
        (b"kb.example.com.evil.com", False),
        (b"[::1]:8000", True),
        (b"[::1]", True),
        (b"[::2]:8000", False),
        (b"", False),
    ],
)
def test_trusted_hosts_match_names_ports_wildcards_and_ipv6(host: bytes, allowed: bool) -> None:
    hosts = TrustedHosts(["kb.example.com", "*.example.org", "[::1]"])
    assert hosts.allows(host) is allowed
    assert TrustedHosts(["*"]).allows(host)


def test_an_upload_has_its_own_limit_and_other_bodies_keep_theirs() -> None:
    limit = BodyLimit(64 * 1024, ("/try/",), max_upload=4 * 1024 * 1024)
    upload = limit.for_type(b"multipart/form-data; boundary=x")
    assert upload.max_bytes == 4 * 1024 * 1024
    assert upload.message == "Request body too large: the limit is 4 MiB."
    assert not upload.declared_too_large(b"%d" % (4 * 1024 * 1024))
    assert upload.declared_too_large(b"%d" % (4 * 1024 * 1024 + 1))
    for other in (b"application/json", b"application/x-www-form-urlencoded", b""):
        assert limit.for_type(other) is limit
    assert limit.declared_too_large(b"%d" % (64 * 1024 + 1))
    no_upload_limit = BodyLimit(1024, ("/try/",), max_upload=0).for_type(b"Multipart/Form-Data")
    assert not no_upload_limit.declared_too_large(b"999999999")
    assert no_upload_limit.declared_too_large(b"not a number")

import re
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from jinja2 import Template

from kb.web import tryit

HTMX = {"HX-Request": "true"}


def send(client: TestClient, **fields: str) -> httpx2.Response:
    """POST a console form for the greeting entry as htmx does; fields override defaults."""
    form = {"block": "0", "method": "POST", "path": "/names", "headers": "", "body": ""} | fields
    return client.post("/try/greeting", data=form, headers=HTMX)


def test_send_shows_the_live_response(site_client: TestClient) -> None:
    response = send(site_client, headers="Content-Type: application/json", body='{"name": "alice"}')
    assert response.status_code == 200
    text = response.text
    assert "<html" not in text
    assert "201 Created" in text and 'class="response s2xx"' in text
    assert " ms</span>" in text
    assert "as expected" in text
    assert "curl -i -X POST" in text and "http://testserver/examples/greeting/names" in text
    assert "content-type" in text  # response headers


def test_the_examples_own_errors_are_shown(site_client: TestClient) -> None:
    response = site_client.post(
        "/try/greeting",
        data={
            "block": "0",
            "method": "POST",
            "path": "/names",
            "headers": "Content-Type: application/json",
            "body": "{",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "422 Unprocessable" in response.text and "differs from the entry" in response.text


def test_captures_flow_to_later_requests(site_client: TestClient) -> None:
    login = site_client.post(
        "/try/greeting",
        data={
            "block": "2",
            "method": "POST",
            "path": "/login",
            "headers": "Content-Type: application/x-www-form-urlencoded",
            "body": "username=ann",
        },
        headers=HTMX,
    )
    assert 'hx-swap-oob="true"' in login.text and 'name="var_token" value="t-ann"' in login.text
    me = site_client.post(
        "/try/greeting",
        data={
            "block": "3",
            "method": "GET",
            "path": "/me",
            "headers": "Authorization: Bearer {{token}}",
            "body": "",
            "var_token": "t-ann",
        },
        headers=HTMX,
    )
    assert "200 OK" in me.text and "ann" in me.text


def test_a_missing_variable_says_which_request_captures_it(site_client: TestClient) -> None:
    response = site_client.post(
        "/try/greeting",
        data={
            "block": "3",
            "method": "GET",
            "path": "/me",
            "headers": "Authorization: Bearer {{token}}",
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "{{token}}" in response.text and "Send request 3 first" in response.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"block": "x"}, "does not say which request"),
        ({"block": "99"}, "no request number 100"),
        ({"method": "BREW"}, "Unknown method"),
        ({"path": "http://evil.example/"}, "must start with a single"),
        ({"path": "//evil.example/"}, "must start with a single"),
        ({"path": "/a b"}, "no spaces"),
        ({"headers": "not a header"}, "Headers: header line 1"),
    ],
)
def test_bad_console_input_is_a_clear_422(
    site_client: TestClient, fields: dict[str, str], message: str
) -> None:
    response = send(site_client, **fields)
    assert response.status_code == 422
    assert message in response.text


def test_unknown_entry_is_404(site_client: TestClient) -> None:
    assert site_client.post("/try/nope", data={}, headers=HTMX).status_code == 404


def test_without_javascript_the_whole_page_comes_back_with_the_result(
    site_client: TestClient,
) -> None:
    response = site_client.post(
        "/try/greeting",
        data={
            "block": "2",
            "method": "POST",
            "path": "/login",
            "headers": "Content-Type: application/x-www-form-urlencoded",
            "body": "username=ann",
        },
    )
    assert response.status_code == 200
    text = response.text
    assert "<html" in text and "200 OK" in text
    # The captured value is carried in every console form for the next request.
    assert text.count('name="var_token" value="t-ann"') >= 4


def test_example_responses_are_escaped(site_client: TestClient) -> None:
    site_client.post("/examples/greeting/names", json={"name": "<img src=x onerror=alert(1)>"})
    response = site_client.post(
        "/try/greeting", data={"block": "0", "method": "GET", "path": "/names"}, headers=HTMX
    )
    assert "<img" not in response.text
    assert "&lt;img" in response.text


def test_a_slow_example_is_a_504_with_a_message(site_client: TestClient) -> None:
    response = site_client.post(
        "/try/greeting",
        data={"block": "0", "method": "GET", "path": "/slow?seconds=3"},
        headers=HTMX,
    )
    assert response.status_code == 504
    assert "did not answer within 1 s" in response.text


def test_a_result_is_rendered_once_and_the_time_is_always_fresh(
    site_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = site_client.app.state.templates  # type: ignore[attr-defined]
    get_template = templates.get_template
    rendered: list[str] = []

    class CountingTemplate:
        def __init__(self, template: Template) -> None:
            self.template = template

        def render(self, *args: Any, **kwargs: Any) -> str:
            rendered.append(self.template.name or "")
            return self.template.render(*args, **kwargs)

    def counting_get_template(name: str) -> Template | CountingTemplate:
        template = get_template(name)
        return CountingTemplate(template) if name == "_try_result.html" else template

    monkeypatch.setattr(templates, "get_template", counting_get_template)
    first = send(site_client, method="GET", path="/names")
    again = send(site_client, method="GET", path="/names")
    assert len(rendered) == 1
    timing = re.compile(r'<span class="elapsed">[0-9]+\.[0-9] ms</span>')
    assert timing.search(first.text) and timing.search(again.text)
    assert timing.sub("", first.text) == timing.sub("", again.text)
    # A different response from the same example is rendered anew, never confused.
    send(site_client, headers="Content-Type: application/json", body='{"name": "cy"}')
    changed = send(site_client, method="GET", path="/names")
    assert "cy" in changed.text and "cy" not in first.text
    assert len(rendered) == 3


def test_the_urlencoded_parser_reads_what_browsers_send() -> None:
    body = b"a=1&b=x+y&c=caf%C3%A9&d=&e&&f=%26%3D" + "&g=naïve".encode()
    assert tryit.parse_urlencoded(body) == [
        ("a", "1"),
        ("b", "x y"),
        ("c", "café"),
        ("d", ""),
        ("e", ""),
        ("f", "&="),
        ("g", "naïve"),
    ]


def test_a_form_with_too_many_fields_is_422(site_client: TestClient) -> None:
    body = "&".join(f"var_{n}=x" for n in range(1001))
    response = site_client.post(
        "/try/greeting",
        content=body,
        headers={**HTMX, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422 and "more than 1000 fields" in response.text


def test_a_multipart_form_is_read_too(site_client: TestClient) -> None:
    fields = {"block": "0", "method": "GET", "path": "/names", "headers": "", "body": ""}
    response = site_client.post(
        "/try/greeting",
        files={name: (None, value) for name, value in fields.items()},
        headers=HTMX,
    )
    assert response.status_code == 200 and "200 OK" in response.text

import dataclasses
import re
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from jinja2 import Template

from kb.app import create_app
from kb.settings import Settings
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
    assert "curl -i -X POST http://testserver/examples/greeting/names" in text
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
    assert "{{token}}" in response.text and "Send request 3 (POST /login) first" in response.text
    assert 'href="#try-3">Go to request 3 (POST /login)</a>' in response.text


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


def test_a_form_sent_again_is_read_once_per_entry(site_client: TestClient) -> None:
    kb = site_client.app.state.kb  # type: ignore[attr-defined]
    entry = kb.catalogue.entries["greeting"]
    body = b"block=1&method=GET&path=%2Fnames%2F%7B%7Bname%7D%7D&headers=&body=&var_name=ann"
    index, request, variables = tryit._urlencoded_form(kb, body, entry)
    assert (index, request.path, variables) == (1, "/names/{{name}}", {"name": "ann"})
    variables["token"] = "captured later"  # what a console's captures add to its own copy
    again = tryit._urlencoded_form(kb, body, entry)
    assert again == (1, request, {"name": "ann"}) and again[1] is request
    # An entry loaded again (development mode) has its forms read anew.
    reloaded = dataclasses.replace(entry)
    assert tryit._urlencoded_form(kb, body, reloaded)[1] is not request
    # A form that cannot be sent is refused each time, never remembered.
    for _ in range(2):
        assert send(site_client, method="BREW").status_code == 422


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


# Bodies, uploads and cookies -----------------------------------------------------------

UPLOAD = {"block": "4", "method": "POST", "path": "/upload", "headers": ""}
PARTS = "note: a greeting\nfile: file,hello.txt; text/plain"


def echoed_body(client: TestClient, body: str) -> str:
    response = send(client, path="/echo-body", body=body)
    # Pygments escapes the quotes in some releases and not in others.
    found = re.search(r'<span class="s2">(?:"|&quot;)([0-9a-f]*)(?:"|&quot;)</span>', response.text)
    assert found is not None, response.text
    return bytes.fromhex(found.group(1)).decode()


def test_the_body_is_sent_as_typed_but_for_the_browsers_crlf(site_client: TestClient) -> None:
    # A browser sends every line break of a textarea as CRLF: undone, and nothing else.
    assert echoed_body(site_client, "one\r\ntwo") == "one\ntwo"
    assert echoed_body(site_client, "a lone\rcr") == "a lone\rcr"
    assert echoed_body(site_client, "sep\u2028form\x0cfeed") == "sep\u2028form\x0cfeed"
    assert echoed_body(site_client, "hex,610d0a62;") == "a\r\nb"


def test_a_multipart_console_sends_the_default_file_beside_the_example(
    site_client: TestClient,
) -> None:
    response = site_client.post(
        "/try/greeting", data={**UPLOAD, "parts": PARTS}, files={"upload:file": ("", b"")}
    )
    assert response.status_code == 200
    text = response.text
    assert "as expected" in text and "hello.txt" in text
    # What was sent, as curl: the same form with -F.
    assert "-F &#39;file=@hello.txt;type=text/plain&#39;" in text
    assert "-F &#39;note=a greeting&#39;" in text


def test_a_file_the_reader_chooses_is_sent_instead(site_client: TestClient) -> None:
    response = site_client.post(
        "/try/greeting",
        data={**UPLOAD, "parts": PARTS},
        files={"upload:file": ("mine.txt", b"my own words", "text/plain")},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "my own words" in response.text and "mine.txt" in response.text
    assert "differs from the entry" in response.text  # the entry expects hello.txt
    assert "file=@mine.txt;type=text/plain" in response.text


@pytest.mark.parametrize(
    ("fields", "files", "message"),
    [
        ({"parts": "file: file,missing.txt;"}, {}, "no file &#39;missing.txt&#39; beside"),
        ({"parts": "file: file,../greeting.md;"}, {}, "not above it"),
        ({"parts": "just words"}, {}, "Form data, line 1: expected"),
        ({"parts": ""}, {}, "The form data is empty"),
        ({"parts": PARTS, "headers": "Content-Type: multipart/form-data"}, {}, "Remove the"),
        ({"parts": PARTS}, {"upload:other": ("x.txt", b"x")}, "no file part &#39;other&#39;"),
        ({}, {"upload:file": ("x.txt", b"x")}, "sends no form data"),
    ],
)
def test_bad_form_data_is_a_clear_422(
    site_client: TestClient,
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes]],
    message: str,
) -> None:
    response = site_client.post(
        "/try/greeting",
        data={**UPLOAD, **fields},
        files=files or {"upload:file": ("", b"")},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert message in response.text


def test_a_broken_multipart_body_is_a_422_not_a_500(site_client: TestClient) -> None:
    response = site_client.post(
        "/try/greeting",
        content=b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n",
        headers={**HTMX, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 422
    assert "The form could not be read" in response.text


def test_an_upload_over_the_limit_is_413_and_other_bodies_keep_theirs(
    site_settings: Settings,
) -> None:
    site_settings.max_upload = 100 * 1024
    with TestClient(create_app(site_settings)) as client:
        client.get("/")
        big = {"upload:file": ("big.txt", b"x" * (80 * 1024), "text/plain")}
        allowed = client.post("/try/greeting", data={**UPLOAD, "parts": PARTS}, files=big)
        assert allowed.status_code == 200 and "big.txt" in allowed.text
        direct = client.post("/examples/greeting/upload", files={"file": big["upload:file"]})
        assert direct.status_code == 200 and direct.json()["filename"] == "big.txt"
        huge = {"upload:file": ("huge.txt", b"x" * (101 * 1024), "text/plain")}
        refused = client.post("/try/greeting", data={**UPLOAD, "parts": PARTS}, files=huge)
        assert refused.status_code == 413
        assert refused.text == "Request body too large: the limit is 100 KiB."
        # Not multipart: the body limit is still 64 KiB.
        json_body = client.post("/examples/greeting/names", content=b"x" * (70 * 1024))
        assert json_body.status_code == 413 and "64 KiB" in json_body.text


def test_the_console_offers_a_file_picker_for_each_file_part(site_client: TestClient) -> None:
    page = site_client.get("/patterns/greeting").text
    console = page.split('id="try-5"', 1)[1].split("</section>", 1)[0]
    assert 'enctype="multipart/form-data" hx-encoding="multipart/form-data"' in console
    assert '<textarea id="try-5-parts" name="parts"' in console
    assert 'type="file" id="try-5-upload-1" name="upload:file" data-max-bytes="4194304"' in console
    assert "<code>hello.txt</code> from <code>examples/</code>" in console
    assert 'name="body"' not in console
    # The other consoles stay urlencoded forms.
    assert page.count("multipart/form-data") == 2


def test_cookies_set_by_one_console_go_with_the_next_until_reset(site_client: TestClient) -> None:
    login = site_client.post(
        "/try/greeting",
        data={
            "block": "5",
            "method": "POST",
            "path": "/session",
            "headers": "Content-Type: application/x-www-form-urlencoded",
            "body": "username=ann",
        },
        headers=HTMX,
    )
    assert login.text.count(">set-cookie</dt>") == 2  # every Set-Cookie is shown
    assert 'name="var_sid" value="s-ann"' in login.text
    whoami = {"block": "6", "method": "GET", "path": "/whoami", "headers": ""}
    me = site_client.post("/try/greeting", data=whoami, headers=HTMX)
    assert "200 OK" in me.text and "ann" in me.text
    assert "Sent the cookies <code>sid</code>, <code>theme</code>" in me.text
    assert "-H &#39;Cookie: kb_reader=" in me.text and "; sid=s-ann; theme=dark&#39;" in me.text
    # Another reader has a jar of their own.
    with TestClient(site_client.app) as other:
        other.get("/")
        assert other.post("/try/greeting", data=whoami, headers=HTMX).text.count("401") >= 1
    site_client.post("/try/greeting/reset", headers=HTMX)
    again = site_client.post("/try/greeting", data=whoami, headers=HTMX)
    assert "401 Unauthorized" in again.text and "Sent the cookie" not in again.text


def test_logging_out_deletes_the_cookie_from_the_jar(site_client: TestClient) -> None:
    form = "Content-Type: application/x-www-form-urlencoded"
    site_client.post(
        "/try/greeting",
        data={
            "block": "5",
            "method": "POST",
            "path": "/session",
            "headers": form,
            "body": "username=ann",
        },
        headers=HTMX,
    )
    site_client.post(
        "/try/greeting", data={"block": "6", "method": "POST", "path": "/logout"}, headers=HTMX
    )
    me = site_client.post(
        "/try/greeting", data={"block": "6", "method": "GET", "path": "/whoami"}, headers=HTMX
    )
    assert "401 Unauthorized" in me.text
    assert "Sent the cookie <code>theme</code> that" in me.text


def test_readers_without_a_cookie_get_no_jar(site_settings: Settings) -> None:
    with TestClient(create_app(site_settings)) as client:  # never visits a page: no cookie
        client.cookies.clear()
        form = "Content-Type: application/x-www-form-urlencoded"
        client.post(
            "/try/greeting",
            data={
                "block": "5",
                "method": "POST",
                "path": "/session",
                "headers": form,
                "body": "username=x",
            },
            headers=HTMX,
        )
        client.cookies.clear()  # the KB gave it a reader cookie: not kept, as curl would not
        me = client.post(
            "/try/greeting", data={"block": "6", "method": "GET", "path": "/whoami"}, headers=HTMX
        )
        assert "401 Unauthorized" in me.text


def login(client: TestClient, user: str = "ann") -> httpx2.Response:
    form = {
        "block": "2",
        "method": "POST",
        "path": "/login",
        "headers": "Content-Type: application/x-www-form-urlencoded",
        "body": f"username={user}",
    }
    return client.post("/try/greeting", data=form, headers=HTMX)


def test_every_check_is_listed_with_expected_and_actual(site_client: TestClient) -> None:
    response = send(site_client, headers="Content-Type: application/json", body='{"name": "bo"}')
    text = response.text
    assert text.count('<li class="check ok">') == 1  # the status
    assert '<li class="check failed">' in text
    assert '<code class="check-label">jsonpath &#34;$.name&#34; == &#34;alice&#34;</code>' in text
    assert '<code class="check-expected">&#34;alice&#34;</code>' in text
    assert '<code class="check-got">&#34;bo&#34;</code>' in text
    assert "title=" not in text.split('<ul class="checks"')[1].split("</ul>")[0]
    # Only the status and the verdict are announced, not the body.
    announce = re.search(r'<p id="try-1-announce" hx-swap-oob="innerHTML">(.*?)</p>', text)
    assert announce is not None
    assert announce.group(1) == "201 Created, differs from the entry’s expectation"


def test_a_changed_request_that_fails_offers_the_entrys_own(site_client: TestClient) -> None:
    changed = send(site_client, headers="Content-Type: application/json", body='{"name": "bo"}')
    assert "You changed this request — the entry expected <code>HTTP 201</code>" in changed.text
    assert '<button type="reset" form="try-1-form" class="restore">' in changed.text
    # The entry's own request, failing (alice exists by now): nothing was changed.
    own = send(site_client, headers="Content-Type: application/json", body='{"name": "alice"}')
    own = send(site_client, headers="Content-Type: application/json", body='{"name": "alice"}')
    assert "409 Conflict" in own.text and "You changed" not in own.text


def test_a_failed_request_names_the_console_that_captured_its_values(
    site_client: TestClient,
) -> None:
    login(site_client)  # ann, where the entry logs in alice: /me then answers ann
    form = {
        "block": "3",
        "method": "GET",
        "path": "/me",
        "headers": "Authorization: Bearer {{token}}",
    }
    me = site_client.post("/try/greeting", data=form | {"var_token": "t-ann"}, headers=HTMX)
    assert '<p class="chain-hint">This request used <code>{{token}}</code>' in me.text
    assert '<a href="#try-3">request 3 (POST /login)</a>' in me.text
    # What was sent, with the value filled in.
    assert "Authorization: Bearer t-ann" in me.text.split('class="sent-request"')[1]


def test_without_javascript_the_checks_are_on_the_page(site_client: TestClient) -> None:
    form = {
        "block": "0",
        "method": "POST",
        "path": "/names",
        "headers": "Content-Type: application/json",
    }
    text = site_client.post("/try/greeting", data=form | {"body": '{"name": "bo"}'}).text
    assert "<html" in text and '<li class="check failed">' in text
    assert "You changed this request" in text

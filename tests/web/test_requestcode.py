"""The request-as-code panels: a block's request before sending, and what was sent."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from kb.consoles.requests import ConsoleRequest, Upload
from kb.content import tryblocks
from kb.web import requestcode

HTMX = {"HX-Request": "true"}


def test_a_block_keeps_its_variables_and_gets_an_absolute_url() -> None:
    block = tryblocks.parse("GET /me\nAuthorization: Bearer {{token}}\nHTTP 200")
    code = requestcode.from_block(block, "http://kb.test/", "/examples/greeting")
    assert code.origin == "http://kb.test" and not code.sent
    curl = code.snippets[0].code
    assert curl == (
        "curl -i http://kb.test/examples/greeting/me \\\n  -H 'Authorization: Bearer {{token}}'"
    )
    assert [snippet.language for snippet in code.snippets] == [
        "curl",
        "httpie",
        "python",
        "javascript",
    ]


def test_what_was_sent_carries_the_readers_cookie_and_chosen_file() -> None:
    parts = tryblocks.parse_parts("note: hi\nfile: file,hello.txt;")
    sent = ConsoleRequest(
        "POST",
        "/upload",
        (("Cookie", "sid=abc"),),
        parts=parts,
        uploads=(Upload("file", "mine.png", "image/png", b"\x89PNG"),),
    )
    code = requestcode.from_sent(sent, "http://kb.test/", "/examples/greeting", "kb_reader=r.1")
    assert code.sent
    curl = code.snippets[0].code
    assert "-H 'Cookie: kb_reader=r.1; sid=abc'" in curl
    assert "-F 'file=@mine.png;type=image/png'" in curl and "hello.txt" not in curl
    alone = requestcode.from_sent(ConsoleRequest("GET", "/me"), "http://kb.test", "/x", "k=1")
    assert "-H 'Cookie: k=1'" in alone.snippets[0].code


def panel_codes(html: str, code_id: str) -> dict[str, str]:
    """Each language's code in the panel with this id, as text."""
    found = re.findall(
        rf'id="{code_id}-(\w+)" aria-labelledby=.*?<pre tabindex="0"><code>(.*?)</code></pre>',
        html,
        re.S,
    )
    return {language: unescape(code) for language, code in found}


def test_the_entry_page_shows_each_block_as_code_in_four_languages(
    site_client: TestClient,
) -> None:
    html = site_client.get("/patterns/greeting").text
    codes = panel_codes(html, "try-4-code")
    assert list(codes) == ["curl", "httpie", "python", "javascript"]
    assert codes["curl"] == (
        "curl -i http://testserver/examples/greeting/me \\\n  -H 'Authorization: Bearer {{token}}'"
    )
    assert 'role="tab"' in html and re.search(r"/static/request-code[.\w]*\.js", html)
    # Copy buttons sit beside the code, never inside it.
    assert '<pre tabindex="0"><code><button' not in html
    assert html.count('class="request-code-copy"') == 4 * html.count('class="request-code"')


def test_the_result_shows_what_was_sent_with_values_filled_in(site_client: TestClient) -> None:
    login = {"block": "2", "method": "POST", "path": "/login", "headers": "", "body": ""}
    login["headers"] = "Content-Type: application/x-www-form-urlencoded"
    login["body"] = "username=alice"
    token = re.search(
        r'name="var_token" value="([^"]+)"',
        site_client.post("/try/greeting", data=login, headers=HTMX).text,
    )
    assert token is not None
    me = {"block": "3", "method": "GET", "path": "/me", "var_token": token[1]}
    me["headers"] = "Authorization: Bearer {{token}}"
    html = site_client.post("/try/greeting", data=me, headers=HTMX).text
    codes = panel_codes(html, "try-4-sent-code")
    assert f"-H 'Authorization: Bearer {token[1]}'" in codes["curl"]
    assert "What was sent, as code" in html
    assert f'"Authorization": "Bearer {token[1]}",' in codes["python"]


def test_without_javascript_the_page_comes_back_with_both(site_client: TestClient) -> None:
    form = {"block": "0", "method": "POST", "path": "/names", "body": '{"name": "bo"}'}
    form["headers"] = "Content-Type: application/json"
    html = site_client.post("/try/greeting", data=form).text  # a plain form post
    before = panel_codes(html, "try-1-code")
    after = panel_codes(html, "try-1-sent-code")
    assert 'json={\n        "name": "alice",\n    },' in before["python"]  # as the entry has it
    assert 'json={\n        "name": "bo",\n    },' in after["python"]  # as it was sent

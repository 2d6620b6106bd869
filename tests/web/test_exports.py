"""``/patterns/{slug}.hurl``: an entry's try blocks as a Hurl file, run as Hurl would."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from kb.app import create_app
from kb.content import tryblocks
from kb.content.assertions import Response
from kb.settings import Settings


def test_an_entrys_hurl_file_is_plain_text_named_after_it(site_client: TestClient) -> None:
    response = site_client.get("/patterns/greeting.hurl")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == 'inline; filename="greeting.hurl"'
    text = response.text
    assert text.startswith(
        "# Greeting People: the requests of http://testserver/patterns/greeting\n"
    )
    assert "hurl --test --file-root examples/ greeting.hurl" in text
    assert (
        "POST http://testserver/examples/greeting/names\nContent-Type: application/json\n" in text
    )
    assert "GET http://testserver/examples/greeting/me\nAuthorization: Bearer {{token}}\n" in text
    assert "[MultipartFormData]\nnote: a greeting\nfile: file,hello.txt; text/plain\n" in text
    assert '[Captures]\ntoken: jsonpath "$.token"' in text


def test_no_hurl_file_for_an_unknown_entry_or_one_without_requests(
    site_client: TestClient,
) -> None:
    missing = site_client.get("/patterns/nope.hurl")
    assert missing.status_code == 404 and "There is no pattern “nope”" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    without = site_client.get("/patterns/farewell.hurl")
    assert without.status_code == 404 and "has no requests to run" in without.text


def test_the_entry_page_links_to_its_hurl_file(site_client: TestClient) -> None:
    html = site_client.get("/patterns/greeting").text
    assert 'href="/patterns/greeting.hurl" download="greeting.hurl"' in html
    assert "Download as .hurl" in html
    assert ".hurl" not in site_client.get("/patterns/farewell").text


def run_as_hurl(client: TestClient, text: str, files: Path) -> list[str]:
    """Run a Hurl file as ``hurl --test`` does, one request after the other with one
    cookie jar and the captured variables; what failed, if anything."""
    starts = [m.start() for m in re.finditer(r"^[A-Z]+ http://testserver", text, re.M)]
    variables: dict[str, str] = {}
    failures = []
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        chunk = text[start:end].replace("http://testserver", "", 1)
        block = tryblocks.parse(chunk)
        path = tryblocks.substitute(block.path, variables)
        headers = [(n, tryblocks.substitute(v, variables)) for n, v in block.headers]
        read = lambda name: (files / name).read_bytes()  # noqa: E731
        if block.parts:
            answer = client.request(
                block.method,
                path,
                headers=headers,
                data={p.name: p.value for p in block.parts if not p.file},
                files=[
                    (p.name, (p.file, read(p.file), p.media_type)) for p in block.parts if p.file
                ],
            )
        else:
            body = tryblocks.body_bytes(tryblocks.substitute(block.body, variables), read)
            answer = client.request(block.method, path, headers=headers, content=body)
        response = Response(
            answer.status_code,
            [(k.lower(), v) for k, v in answer.headers.multi_items()],
            answer.content,
        )
        if block.status is not None and answer.status_code != block.status:
            failures.append(f"{block.method} {path}: {answer.status_code}, not {block.status}")
        for assertion in block.asserts:
            if (problem := assertion.check(response, variables)) is not None:
                failures.append(f"{block.method} {path}: {problem}")
        for capture in block.captures:
            variables[capture.name] = capture.extract(response)
    return failures


def test_the_file_runs_against_the_kb_in_a_fresh_sandbox_each_time(
    site_settings: Settings,
) -> None:
    with TestClient(create_app(site_settings)) as kb:
        kb.get("/healthz?wait=true")  # once the examples have started
        text = kb.get("/patterns/greeting.hurl").text
        files = site_settings.examples_dir  # greeter.py is one module: its files are beside it
        for _ in range(2):  # a second run starts afresh: alice is new again, not a 409
            with TestClient(kb.app) as hurl:  # a client with no cookie yet, as Hurl starts
                assert run_as_hurl(hurl, text, files) == []
                assert "kb_reader" in hurl.cookies

"""Golden tests: a request as curl, HTTPie, httpx and fetch, quoting included."""

from __future__ import annotations

import ast
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from kb.content.bodies import Part, parse_parts
from kb.content.requestcode import CodeRequest, curl, httpie, javascript, python, snippets

URL = "http://127.0.0.1:8000/examples/greeting"

AWKWARD = CodeRequest(
    "PUT",
    f"{URL}/names/{{{{id}}}}?q=a b&x=$HOME",
    (
        ("Content-Type", "application/json"),
        ("X-Quote", 'it\'s "$HOME" `date`'),
        ("X-Empty", ""),
    ),
    '{"name": "Zoë \\"Z\\" O\'Neil", "tags": ["a", "b"], "n": null}',
)

UPLOAD = CodeRequest(
    "POST",
    f"{URL}/files",
    (("Cookie", "kb_reader=r.1; sid=abc"),),
    # "a;b.bin" as a reader's chosen upload may be named: a block could not say it.
    parts=(
        *parse_parts("note: @home\ndescription: Mine\nphoto: file,my photo.png;"),
        Part("raw", file="a;b.bin"),
    ),
)

FORM = CodeRequest(
    "POST",
    f"{URL}/token",
    (("Content-Type", "application/x-www-form-urlencoded"),),
    "username=alice&password=wonder+land&scope=orders%3Aread",
)


def unfolded(command: str) -> list[str]:
    """The words a shell would run, the backslash continuations joined."""
    return shlex.split(command.replace(" \\\n  ", " "))


def test_curl_quotes_awkward_characters() -> None:
    assert curl(AWKWARD) == (
        "curl -i -X PUT 'http://127.0.0.1:8000/examples/greeting/names/{{id}}?q=a b&x=$HOME' \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        "  -H 'X-Quote: it'\"'\"'s \"$HOME\" `date`' \\\n"
        "  -H 'X-Empty;' \\\n"
        '  --data-raw \'{"name": "Zoë \\"Z\\" O\'"\'"\'Neil", "tags": ["a", "b"], "n": null}\''
    )
    words = unfolded(curl(AWKWARD))
    assert words[4] == f"{URL}/names/{{{{id}}}}?q=a b&x=$HOME"
    assert words[words.index("-H", 6) + 1] == 'X-Quote: it\'s "$HOME" `date`'
    assert words[-1] == AWKWARD.body


def test_httpie_sends_a_nested_json_body_raw() -> None:
    assert httpie(AWKWARD) == (
        'http --raw \'{"name": "Zoë \\"Z\\" O\'"\'"\'Neil", "tags": ["a", "b"], "n": null}\' '
        "PUT 'http://127.0.0.1:8000/examples/greeting/names/{{id}}?q=a b&x=$HOME' \\\n"
        "  Content-Type:application/json \\\n"
        "  'X-Quote:it'\"'\"'s \"$HOME\" `date`' \\\n"
        "  'X-Empty;'"
    )


def test_httpie_says_a_flat_json_object_as_items() -> None:
    request = CodeRequest(
        "POST", f"{URL}/items", (("Content-Type", "application/json"),), '{"name": "a b", "n": 2}'
    )
    assert unfolded(httpie(request)) == [
        "http",
        "POST",
        f"{URL}/items",
        "Content-Type:application/json",
        "name=a b",
        "n:=2",
    ]


def test_python_uses_json_and_keeps_every_character() -> None:
    assert python(AWKWARD) == (
        "import httpx\n"
        "\n"
        "response = httpx.put(\n"
        '    "http://127.0.0.1:8000/examples/greeting/names/{{id}}?q=a b&x=$HOME",\n'
        "    headers={\n"
        '        "X-Quote": "it\'s \\"$HOME\\" `date`",\n'
        '        "X-Empty": "",\n'
        "    },\n"
        "    json={\n"
        '        "name": "Zoë \\"Z\\" O\'Neil",\n'
        '        "tags": [\n'
        '            "a",\n'
        '            "b",\n'
        "        ],\n"
        '        "n": None,\n'
        "    },\n"
        ")\n"
        "print(response.status_code, response.headers)\n"
        "print(response.text)"
    )
    call = ast.parse(python(AWKWARD)).body[1].value  # type: ignore[attr-defined]
    keywords = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
    assert keywords["json"] == {"name": 'Zoë "Z" O\'Neil', "tags": ["a", "b"], "n": None}
    assert keywords["headers"]["X-Quote"] == 'it\'s "$HOME" `date`'


def test_javascript_stringifies_json_and_keeps_the_content_type() -> None:
    assert javascript(AWKWARD) == (
        'const response = await fetch("http://127.0.0.1:8000/examples/greeting/names/{{id}}?q=a b&x=$HOME", {\n'
        '  method: "PUT",\n'
        "  headers: {\n"
        '    "Content-Type": "application/json",\n'
        '    "X-Quote": "it\'s \\"$HOME\\" `date`",\n'
        '    "X-Empty": "",\n'
        "  },\n"
        "  body: JSON.stringify({\n"
        '    "name": "Zoë \\"Z\\" O\'Neil",\n'
        '    "tags": [\n'
        '      "a",\n'
        '      "b"\n'
        "    ],\n"
        '    "n": null\n'
        "  }),\n"
        "});\n"
        "console.log(response.status, Object.fromEntries(response.headers));\n"
        "console.log(await response.text());"
    )


def test_a_multipart_upload_in_every_language() -> None:
    assert curl(UPLOAD) == (
        "curl -i -X POST http://127.0.0.1:8000/examples/greeting/files \\\n"
        "  -H 'Cookie: kb_reader=r.1; sid=abc' \\\n"
        "  --form-string note=@home \\\n"
        "  -F description=Mine \\\n"
        "  -F 'photo=@my photo.png;type=image/png' \\\n"
        "  -F 'raw=@\"a;b.bin\";type=application/octet-stream'"
    )
    assert httpie(UPLOAD) == (
        "http --multipart POST http://127.0.0.1:8000/examples/greeting/files \\\n"
        "  'Cookie:kb_reader=r.1; sid=abc' \\\n"
        "  note=@home \\\n"
        "  description=Mine \\\n"
        "  'photo@my photo.png;type=image/png' \\\n"
        "  'raw@a;b.bin;type=application/octet-stream'"
    )
    assert python(UPLOAD) == (
        "import httpx\n"
        "from pathlib import Path\n"
        "\n"
        "response = httpx.post(\n"
        '    "http://127.0.0.1:8000/examples/greeting/files",\n'
        "    headers={\n"
        '        "Cookie": "kb_reader=r.1; sid=abc",\n'
        "    },\n"
        "    data={\n"
        '        "note": "@home",\n'
        '        "description": "Mine",\n'
        "    },\n"
        "    files=[\n"
        '        ("photo", ("my photo.png", Path("my photo.png").read_bytes(), "image/png")),\n'
        '        ("raw", ("a;b.bin", Path("a;b.bin").read_bytes(), "application/octet-stream")),\n'
        "    ],\n"
        ")\n"
        "print(response.status_code, response.headers)\n"
        "print(response.text)"
    )
    assert javascript(UPLOAD) == (
        'import { readFile } from "node:fs/promises";  // Node.js\n'
        "const form = new FormData();\n"
        'form.append("note", "@home");\n'
        'form.append("description", "Mine");\n'
        'form.append("photo", new Blob([await readFile("my photo.png")], { type: "image/png" }), "my photo.png");\n'
        'form.append("raw", new Blob([await readFile("a;b.bin")], { type: "application/octet-stream" }), "a;b.bin");\n'
        "\n"
        'const response = await fetch("http://127.0.0.1:8000/examples/greeting/files", {\n'
        '  method: "POST",\n'
        "  headers: {\n"
        '    "Cookie": "kb_reader=r.1; sid=abc",\n'
        "  },\n"
        "  body: form,\n"
        "});\n"
        "console.log(response.status, Object.fromEntries(response.headers));\n"
        "console.log(await response.text());"
    )


def test_a_form_is_fields_where_they_encode_back_to_the_same_bytes() -> None:
    assert unfolded(httpie(FORM))[:3] == ["http", "--form", "POST"]
    assert unfolded(httpie(FORM))[-3:] == [
        "username=alice",
        "password=wonder land",
        "scope=orders:read",
    ]
    assert 'data={\n        "username": "alice",\n        "password": "wonder land",' in python(
        FORM
    )
    assert '"Content-Type"' not in python(FORM)  # httpx sets it for data=
    assert '["password", "wonder land"],' in javascript(FORM)
    assert unfolded(curl(FORM))[-1] == FORM.body
    # "+" and "%20" decode alike: a body spelled otherwise is sent as it is written.
    odd = CodeRequest("POST", URL, FORM.headers, "a=x%20y")
    assert 'content="a=x%20y"' in python(odd) and "--raw" in httpie(odd)


@pytest.mark.parametrize(
    ("body", "curl_tail", "python_body", "javascript_body"),
    [
        (
            "file,data.bin;",
            "--data-binary @data.bin",
            'content=Path("data.bin").read_bytes()',
            'body: await readFile("data.bin"),',
        ),
        (
            "hex,000d0a;",
            "--data-binary @-",
            "content=b'\\x00\\r\\n'",
            'body: Uint8Array.from(atob("AA0K"), (c) => c.charCodeAt(0)),',
        ),
        ("base64,aGkK;", "--data-raw 'hi\n'", 'content="hi\\n"', 'body: "hi\\n",'),
        (
            "```\nline 1\nline 2\n```",
            "--data-raw 'line 1\nline 2\n'",
            'content="line 1\\nline 2\\n"',
            'body: "line 1\\nline 2\\n",',
        ),
    ],
)
def test_hurl_byte_forms_send_their_bytes(
    body: str, curl_tail: str, python_body: str, javascript_body: str
) -> None:
    request = CodeRequest("POST", f"{URL}/echo", body=body)
    assert curl(request).endswith(curl_tail)
    assert python_body in python(request)
    assert javascript_body in javascript(request)
    if curl_tail.endswith("@-"):  # NUL and CR cannot be a shell word: piped in
        assert curl(request).startswith("printf %s AA0K | base64 -d | curl ")
        assert httpie(request).startswith("printf %s AA0K | base64 -d | http POST ")
    if body.startswith("file,"):
        assert httpie(request).endswith(" < data.bin")
    assert "Content-Type:" in httpie(request).split()  # none was given: HTTPie's unset


def test_head_get_and_a_body_on_delete() -> None:
    assert curl(CodeRequest("HEAD", URL)) == f"curl -I {URL}"
    assert curl(CodeRequest("GET", URL)) == f"curl -i {URL}"
    assert python(CodeRequest("GET", URL)).splitlines()[2] == f'response = httpx.get("{URL}")'
    assert javascript(CodeRequest("GET", URL)).splitlines()[0] == (
        f'const response = await fetch("{URL}");'
    )
    deleting = python(CodeRequest("DELETE", URL, body="gone"))
    assert 'httpx.request(\n    "DELETE",\n' in deleting  # httpx.delete() takes no body


def test_a_header_sent_twice_stays_twice() -> None:
    request = CodeRequest("GET", URL, (("X-A", "1"), ("x-a", "2")))
    assert 'headers=[\n        ("X-A", "1"),\n        ("x-a", "2"),\n    ]' in python(request)
    assert '["X-A", "1"],\n    ["x-a", "2"],' in javascript(request)
    assert unfolded(curl(request)).count("-H") == 2


def test_snippets_come_in_one_order_with_labels() -> None:
    found = snippets(FORM)
    assert [(s.language, s.label) for s in found] == [
        ("curl", "curl"),
        ("httpie", "HTTPie"),
        ("python", "Python (httpx)"),
        ("javascript", "JavaScript (fetch)"),
    ]


@pytest.mark.parametrize(
    "request_", [AWKWARD, UPLOAD, FORM, CodeRequest("POST", URL, body="hex,00;")]
)
def test_the_python_compiles_and_the_javascript_parses(
    request_: CodeRequest, tmp_path: Path
) -> None:
    compile(python(request_), "<snippet>", "exec")
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    script = tmp_path / "snippet.mjs"
    script.write_text(javascript(request_), "utf-8")
    checked = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr

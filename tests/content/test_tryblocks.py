import pytest

from kb.content import tryblocks
from kb.content.tryblocks import Assertion, Capture, HurlError, Response


def test_a_full_block_parses() -> None:
    block = tryblocks.parse(
        """POST /items?x=1
Content-Type: application/json
Authorization: Bearer {{token}}

{"name": "pen",
 "price": 2}
HTTP 201
[Captures]
item_id: jsonpath "$.id"
where: header "Location"
[Asserts]
jsonpath "$.name" == "pen"
jsonpath "$.price" != 3
header "content-type" exists
""",
        line=12,
    )
    assert block.method == "POST"
    assert block.path == "/items?x=1"
    assert block.headers == (
        ("Content-Type", "application/json"),
        ("Authorization", "Bearer {{token}}"),
    )
    assert block.body == '{"name": "pen",\n "price": 2}'
    assert block.status == 201
    assert block.captures == (
        Capture("item_id", "jsonpath", "$.id"),
        Capture("where", "header", "Location"),
    )
    assert block.asserts == (
        Assertion("jsonpath", "$.name", "==", "pen"),
        Assertion("jsonpath", "$.price", "!=", 3),
        Assertion("header", "content-type", "exists"),
    )
    assert block.line == 12
    assert block.variables == ["token"]


def test_form_params_become_an_urlencoded_body() -> None:
    block = tryblocks.parse(
        "POST /token\n[FormParams]\nusername: alice\npassword: p&ss word\nHTTP 200\n"
    )
    assert block.body == "username=alice&password=p%26ss+word"
    assert ("Content-Type", "application/x-www-form-urlencoded") in block.headers


def test_comments_and_blank_lines_are_ignored() -> None:
    block = tryblocks.parse("# list them\n\nGET /items\n\nHTTP 200\n# done\n")
    assert (block.method, block.path, block.status, block.body) == ("GET", "/items", 200, "")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "empty try block", 0),
        ("FETCH /x\nHTTP 200", "unknown method", 0),
        ("GET items\nHTTP 200", "single '/'", 0),
        ("GET //evil.example/x\nHTTP 200", "single '/'", 0),
        ("GET /x", "missing the expected status", 0),
        ("GET /x\nHTTP 200\n[Captures]\ntoken jsonpath", "expected a capture", 3),
        ('GET /x\nHTTP 200\n[Asserts]\njsonpath "$.a" == nope', "must be JSON", 3),
        ('GET /x\nHTTP 200\n[Captures]\nt: jsonpath "$..a"', "unsupported JSONPath", 3),
        ("GET /x\nHTTP 200\nstray", "[Captures] or [Asserts]", 2),
        ("GET /x\n\nbody\nHTTP 200", "has no body", 0),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, line: int) -> None:
    with pytest.raises(HurlError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        tryblocks.parse(text)
    assert info.value.line == line


def test_substitute_replaces_known_and_reports_unknown_variables() -> None:
    assert tryblocks.substitute("Bearer {{ token }}", {"token": "abc"}) == "Bearer abc"
    with pytest.raises(tryblocks.UnknownVariable) as unknown:
        tryblocks.substitute("{{known}} {{missing}}", {"known": "k"})
    assert unknown.value.name == "missing"


def test_parse_headers() -> None:
    assert tryblocks.parse_headers("A: 1\n\n  B:two words \n") == [("A", "1"), ("B", "two words")]
    with pytest.raises(ValueError, match="line 1"):
        tryblocks.parse_headers("not a header")


def test_captures_and_assertions_read_a_response() -> None:
    response = Response(200, {"location": "/items/7"}, b'{"id": 7, "tags": ["a"]}')
    assert Capture("id", "jsonpath", "$.id").extract(response) == "7"
    assert Capture("tags", "jsonpath", "$.tags").extract(response) == '["a"]'
    assert Capture("where", "header", "Location").extract(response) == "/items/7"
    with pytest.raises(tryblocks.CaptureFailed, match=r"nothing at \$\.nope"):
        Capture("x", "jsonpath", "$.nope").extract(response)
    with pytest.raises(tryblocks.CaptureFailed, match="no header 'etag'"):
        Capture("x", "header", "etag").extract(response)
    assert Assertion("jsonpath", "$.id", "==", 7).check(response) is None
    assert Assertion("jsonpath", "$.id", "==", 8).check(response) == 'jsonpath "$.id" == 8: got 7'
    assert "nothing there" in (Assertion("header", "etag", "exists").check(response) or "")

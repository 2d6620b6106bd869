from pathlib import Path

import pytest

from kb.content import tryblocks
from kb.content.tryblocks import (
    Assertion,
    Capture,
    HurlError,
    Part,
    Query,
)


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
        Capture("item_id", Query("jsonpath", "$.id")),
        Capture("where", Query("header", "Location")),
    )
    assert block.asserts == (
        Assertion(Query("jsonpath", "$.name"), "==", "pen"),
        Assertion(Query("jsonpath", "$.price"), "!=", 3),
        Assertion(Query("header", "content-type"), "exists"),
    )
    assert block.line == 12
    assert block.variables == ["token"]


def test_form_params_become_an_urlencoded_body() -> None:
    block = tryblocks.parse(
        "POST /token\n[FormParams]\nusername: alice\npassword: p&ss word\nHTTP 200\n"
    )
    assert block.body == "username=alice&password=p%26ss+word"
    assert ("Content-Type", "application/x-www-form-urlencoded") in block.headers
    short = tryblocks.parse("POST /token\n[Form]\nusername: alice\nHTTP 200")
    assert short.body == "username=alice"


def test_comments_and_blank_lines_are_ignored() -> None:
    block = tryblocks.parse(
        "# list them\n\nGET /items\n# a comment\nAccept: */*\n\nHTTP 200\n# done\n"
    )
    assert (block.method, block.path, block.status, block.body) == ("GET", "/items", 200, "")
    assert block.headers == (("Accept", "*/*"),)


# Bodies keep their bytes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"text": "a\u2028b"}',  # JSON allows a raw U+2028 in a string; splitlines() does not
        "page one\x0cpage two",
        "next line\x85here",
        "  indented\ttabbed  ",
        "line one\r\nline two",
        "a lone\rcarriage return",
        "trailing spaces   \nkept   ",
    ],
)
def test_a_body_keeps_every_character_it_has(body: str) -> None:
    block = tryblocks.parse(f"POST /x\nContent-Type: text/plain\n\n{body}\nHTTP 200")
    assert block.body == body


def test_a_crlf_block_keeps_its_crs_but_not_the_line_break_before_the_status() -> None:
    text = "POST /x\r\nContent-Type: text/plain\r\n\r\none\r\ntwo\r\nHTTP 200\r\n"
    block = tryblocks.parse(text)
    assert block.headers == (("Content-Type", "text/plain"),)
    assert block.body == "one\r\ntwo"
    assert block.status == 200


def test_a_file_body_is_read_beside_the_example() -> None:
    assert tryblocks.body_bytes("file,data/a.bin;", lambda name: name.encode()) == b"data/a.bin"
    block = tryblocks.parse("PUT /blob\nContent-Type: image/png\n\nfile,pixel.png;\nHTTP 204")
    assert block.files == [("pixel.png", 3)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("hex,abc;", "hex digits"),
        ("base64,***;", "not valid base64"),
        ("file,../up.txt;", "not above it"),
        ("```\nno end", "ends with a line of ```"),
        ("```graphql\n{ me }\n```", "```graphql body is Hurl syntax the KB does not run"),
    ],
)
def test_a_malformed_byte_body_is_a_problem_at_its_line(body: str, message: str) -> None:
    with pytest.raises(HurlError, match=message) as info:
        tryblocks.parse(f"POST /x\n\n{body}\nHTTP 200")
    assert info.value.line == 2


# Request sections ------------------------------------------------------------------------


def test_multipart_form_data_keeps_fields_and_files_in_order() -> None:
    block = tryblocks.parse(
        "POST /files\n[MultipartFormData]\ntitle: Holiday {{when}}\n"
        "photo: file,pixel.png; image/png\nnotes: file,docs/notes.txt;\nHTTP 201"
    )
    assert block.parts == (
        Part("title", "Holiday {{when}}"),
        Part("photo", file="pixel.png", content_type="image/png"),
        Part("notes", file="docs/notes.txt"),
    )
    assert [part.line for part in block.parts] == [2, 3, 4]
    assert block.body == "" and block.headers == ()
    assert block.files == [("pixel.png", 3), ("docs/notes.txt", 4)]
    assert block.variables == ["when"]
    assert block.parts_text() == (
        "title: Holiday {{when}}\nphoto: file,pixel.png; image/png\nnotes: file,docs/notes.txt;"
    )
    assert tryblocks.parse("POST /f\n[Multipart]\na: b\nHTTP 200").parts == (Part("a", "b"),)


def test_query_string_params_cookies_and_basic_auth_become_the_request() -> None:
    block = tryblocks.parse(
        "GET /search?page=2\nCookie: theme=dark\n[QueryStringParams]\nq: red shoes\n"
        "tag: {{tag}}\n[Cookies]\nsession: abc\n[BasicAuth]\nbob: secret\nHTTP 200"
    )
    assert block.path == "/search?page=2&q=red+shoes&tag={{tag}}"
    assert block.headers == (
        ("Cookie", "theme=dark; session=abc"),
        ("Authorization", "Basic Ym9iOnNlY3JldA=="),
    )
    assert tryblocks.parse("GET /s\n[Query]\nq: x\nHTTP 200").path == "/s?q=x"


def test_http_star_accepts_any_status_and_implicit_headers_are_asserts() -> None:
    block = tryblocks.parse("GET /x\nHTTP *\nContent-Type: text/html\n[Asserts]\nstatus < 500")
    assert block.status is None
    assert block.asserts == (
        Assertion(Query("header", "Content-Type"), "==", "text/html"),
        Assertion(Query("status"), "<", 500),
    )


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "empty try block", 0),
        ("FETCH /x\nHTTP 200", "unknown method", 0),
        ("GET items\nHTTP 200", "single '/'", 0),
        ("GET //evil.example/x\nHTTP 200", "single '/'", 0),
        ("GET https://example.org/x\nHTTP 200", "relative to the example's mount", 0),
        ("GET /x", "missing the expected status", 0),
        ("GET /x\nHTTP 20", "three-digit status", 1),
        ("GET /x\nHTTP 200\n[Captures]\ntoken jsonpath", "expected a capture", 3),
        ("GET /x\nHTTP 200\n[Captures]\ntoken-id: body", "letters, digits and '_'", 3),
        ('GET /x\nHTTP 200\n[Asserts]\njsonpath "$.a" == nope', "quoted string, a number", 3),
        ('GET /x\nHTTP 200\n[Captures]\nt: jsonpath "$..a"', "unsupported JSONPath", 3),
        ("GET /x\nHTTP 200\n[Asserts]\nbad", "expected an assertion", 3),
        ('GET /x\nHTTP 200\n[Asserts]\nheader Location == "/"', "quoted string", 3),
        ('GET /x\nHTTP 200\n[Asserts]\njsonpath "$.a" is 1', "expected a predicate", 3),
        ('GET /x\nHTTP 200\n[Asserts]\njsonpath "$.a" contains 3', "takes a quoted string", 3),
        ("GET /x\nHTTP 200\n[Asserts]\nbody matches /(/", "does not compile", 3),
        ('GET /x\nHTTP 200\n[Asserts]\ncookie "a[Colour]" exists', "unknown cookie attribute", 3),
        ('GET /x\nHTTP 200\n[Asserts]\ncookie "a[Secure]" == true', "exists or not exists", 3),
        ('GET /x\nHTTP 200\n[Asserts]\nbody == "a" extra', "unexpected 'extra'", 3),
        ('GET /x\nHTTP 200\n[Captures]\nid: regex "no group"', "captures a group", 3),
        ("GET /x\n\nbody\nHTTP 200", "has no body", 0),
        ("GET /x\nHTTP 200\n[FormParams]\na: b", "belongs to the request", 2),
        ("GET /x\n[Asserts]\nstatus == 200\nHTTP 200", "comes after the status line", 1),
        ("GET /x\n[Bogus]\nHTTP 200", "unknown section [Bogus]", 1),
        ("GET /x\nHTTP 200\n[Bogus]", "unknown section [Bogus]", 2),
        ("POST /x\n[FormParams]\na: 1\n[FormParams]\nb: 2\nHTTP 200", "comes once", 3),
        ("POST /x\n[FormParams]\na: 1\n[Multipart]\nb: 2\nHTTP 200", "not both", 3),
        ("POST /x\n[FormParams]\na: 1\nnot a param\nHTTP 200", "in [FormParams]", 3),
        ("POST /x\n[FormParams]\nb: 2\n[Cookies]\na: 1\n\nraw\nHTTP 200", "a body, or", 6),
        (
            "POST /x\nContent-Type: multipart/form-data\n[MultipartFormData]\na: 1\nHTTP 200",
            "remove the Content-Type header",
            2,
        ),
        ("POST /x\n[MultipartFormData]\nf: file,;\nHTTP 200", "file name is empty", 2),
        ("POST /x\n[MultipartFormData]\nf: file,a.txt\nHTTP 200", "with the ';'", 2),
        ("POST /x\n[MultipartFormData]\nf: file,/etc/passwd;\nHTTP 200", "relative", 2),
        ("POST /x\n[MultipartFormData]\nf: file,.env;\nHTTP 200", "hidden", 2),
        ("POST /x\n[MultipartFormData]\nf: file,a.txt; not a type\nHTTP 200", "content type", 2),
        ("GET /x\n[BasicAuth]\na: b\nc: d\nHTTP 200", "one line", 1),
        ("GET /x\n[BasicAuth]\nbob: {{password}}\nHTTP 200", "Authorization header", 1),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, line: int) -> None:
    with pytest.raises(HurlError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        tryblocks.parse(text)
    assert info.value.line == line


@pytest.mark.parametrize(
    ("text", "construct", "line"),
    [
        ("GET /x\n[Options]\nlocation: true\nHTTP 200", "[Options]", 1),
        ('GET /x\nHTTP 200\n[Asserts]\nxpath "//h1" exists', "the xpath query", 3),
        ('GET /x\nHTTP 200\n[Asserts]\njsonpath "$.a" split "," count == 2', "the split filter", 3),
        (
            'GET /x\nHTTP 200\n[Asserts]\njsonpath "$.a" == {{x}}',
            "a {{variable}} value outside quotes",
            3,
        ),
        (
            'GET /x\nHTTP 200\n{"expected": "body"}',
            "an expected response body after the status line",
            2,
        ),
        ("TRACE /x\nHTTP 200", "the TRACE method", 0),
    ],
)
def test_hurl_syntax_the_kb_does_not_run_is_named(text: str, construct: str, line: int) -> None:
    with pytest.raises(HurlError) as info:
        tryblocks.parse(text)
    assert str(info.value).startswith(f"{construct} is Hurl syntax the KB does not run yet; ")
    assert info.value.line == line


def test_old_hurl_spellings_and_a_second_request_are_explained() -> None:
    with pytest.raises(HurlError, match="old spelling: write =="):
        tryblocks.parse('GET /x\nHTTP 200\n[Asserts]\njsonpath "$.a" equals 1')
    with pytest.raises(HurlError, match="one request: put 'GET /y' in a ```hurl block") as info:
        tryblocks.parse("GET /x\nHTTP 200\n\nGET /y\nHTTP 200")
    assert info.value.line == 3


def test_parse_headers() -> None:
    assert tryblocks.parse_headers("A: 1\n\n  B:two words \n") == [("A", "1"), ("B", "two words")]
    with pytest.raises(ValueError, match="line 1"):
        tryblocks.parse_headers("not a header")


def test_rendered_blocks_survive_a_pickle(tmp_path: Path) -> None:
    # The render cache pickles parsed blocks: every new field must pickle.
    import pickle

    block = tryblocks.parse(
        "POST /f\n[MultipartFormData]\na: file,x.txt;\nHTTP 200\n[Asserts]\nbody matches /a/"
    )
    assert pickle.loads(pickle.dumps(block)) == block

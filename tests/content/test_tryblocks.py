import json
from pathlib import Path

import pytest

from kb.content import tryblocks
from kb.content.tryblocks import (
    Assertion,
    BodyError,
    Capture,
    HurlError,
    Part,
    Query,
    Response,
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


def read_nothing(name: str) -> bytes:
    raise AssertionError(f"no file should be read, yet {name!r} was")


@pytest.mark.parametrize(
    ("body", "sent"),
    [
        ('{"a": 1}', b'{"a": 1}'),
        ("héllo", "héllo".encode()),
        ("hex,636166c3a90d0a00;", b"caf\xc3\xa9\r\n\x00"),
        ("hex, 63 61\n66 ;", b"caf"),
        ("base64,aGVs\nbG8=;", b"hello"),
        ("```\nline1\nline2\n```", b"line1\nline2\n"),
        ("```json\n{}\n```", b"{}\n"),
        ("```one```", b"one"),
        ("`one line`", b"one line"),
        ("hexagon", b"hexagon"),
        ("filed under: x", b"filed under: x"),
    ],
)
def test_body_bytes_are_the_text_or_hurls_byte_forms(body: str, sent: bytes) -> None:
    assert tryblocks.body_bytes(body, read_nothing) == sent


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
def test_malformed_byte_bodies_are_refused(body: str, message: str) -> None:
    with pytest.raises(BodyError, match=message):
        tryblocks.body_bytes(body, read_nothing)
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


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("a.png", "image/png"),
        ("a.JPG", "image/jpeg"),
        ("a.txt", "text/plain"),
        ("a.xml", "application/xml"),  # Hurl's, where mimetypes says text/xml
        ("a.json", "application/json"),
        ("a.unknown-ext", "application/octet-stream"),
        ("README", "application/octet-stream"),
    ],
)
def test_a_file_parts_type_is_inferred_as_hurl_infers_it(name: str, media_type: str) -> None:
    assert Part("f", file=name).media_type == media_type
    assert Part("f", file=name, content_type="text/csv").media_type == "text/csv"


def test_parse_parts_reads_the_consoles_form_data() -> None:
    assert tryblocks.parse_parts("a: 1\r\n\n# note\nf: file,x.txt; text/plain") == (
        Part("a", "1"),
        Part("f", file="x.txt", content_type="text/plain"),
    )
    with pytest.raises(ValueError, match=r"line 2: .*not above it"):
        tryblocks.parse_parts("a: 1\nf: file,../x;")


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


def test_every_query_and_predicate_the_kb_runs_parses() -> None:
    block = tryblocks.parse(
        """GET /x
HTTP 200
[Captures]
csrf: cookie "csrf"
path: cookie "session[Path]"
whole: body
code: status
id: regex "id=(\\\\d+)"
other: regex /n=(\\d+)/ # a comment
[Asserts]
body == "ok"
body contains "Welcome"
body matches "\\\\d{4}"
body matches /\\d{4}-\\d{2}/
body not contains "error"
jsonpath "$.tags" contains "a"
jsonpath "$.tags" includes "a"
jsonpath "$.tags" count == 2
jsonpath "$.name" startsWith "Al"
jsonpath "$.name" endsWith "ce"
jsonpath "$.gone" not exists
jsonpath "$.n" >= 1.5
jsonpath "$.n" isNumber
jsonpath "$.tags" not isEmpty
header "Content-Type" matches "json"
header "Set-Cookie" count == 2
cookie "session" exists
cookie "session[HttpOnly]" exists
cookie "csrf[HttpOnly]" not exists
cookie "session[SameSite]" == "lax"
cookie "session[Max-Age]" > 0
status != 500
"""
    )
    assert [c.query for c in block.captures] == [
        Query("cookie", "csrf"),
        Query("cookie", "session[Path]"),
        Query("body"),
        Query("status"),
        Query("regex", "id=(\\d+)"),
        Query("regex", "n=(\\d+)"),
    ]
    described = [a.describe() for a in block.asserts]
    assert described[:5] == [
        'body == "ok"',
        'body contains "Welcome"',
        "body matches /\\d{4}/",
        "body matches /\\d{4}-\\d{2}/",
        'body not contains "error"',
    ]
    assert 'jsonpath "$.tags" count == 2' in described
    assert 'cookie "csrf[HttpOnly]" not exists' in described
    assert len(block.asserts) == 22


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
        ('GET /x\nHTTP 200\n[Captures]\nt: xpath "string(//h1)"', "the xpath query", 3),
        ("GET /x\nHTTP 200\n[Asserts]\nbytes count == 3", "the bytes query", 3),
        ("GET /x\nHTTP 200\n[Asserts]\nduration < 100", "the duration query", 3),
        ('GET /x\nHTTP 200\n[Asserts]\nurl == "/"', "the url query", 3),
        ('GET /x\nHTTP 200\n[Asserts]\njsonpath "$.a" split "," count == 2', "the split filter", 3),
        ('GET /x\nHTTP 200\n[Captures]\nt: header "X" regex "(a)"', "the regex filter", 3),
        ('GET /x\nHTTP 200\n[Asserts]\njsonpath "$.a" nth 0 == 1', "the nth filter", 3),
        ('GET /x\nHTTP 200\n[Asserts]\njsonpath "$.d" isIsoDate', "the isIsoDate predicate", 3),
        ("GET /x\nHTTP 200\n[Asserts]\nbody startsWith hex,ab;", "a hex,...; value", 3),
        (
            'GET /x\nHTTP 200\n[Asserts]\njsonpath "$.a" == {{x}}',
            "a {{variable}} value outside quotes",
            3,
        ),
        ('GET /x\nHTTP 200\n[Captures]\nt: header "X" redact', "redact", 3),
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


def test_substitute_replaces_known_and_reports_unknown_variables() -> None:
    assert tryblocks.substitute("Bearer {{ token }}", {"token": "abc"}) == "Bearer abc"
    with pytest.raises(tryblocks.UnknownVariable) as unknown:
        tryblocks.substitute("{{known}} {{missing}}", {"known": "k"})
    assert unknown.value.name == "missing"


def test_parse_headers() -> None:
    assert tryblocks.parse_headers("A: 1\n\n  B:two words \n") == [("A", "1"), ("B", "two words")]
    with pytest.raises(ValueError, match="line 1"):
        tryblocks.parse_headers("not a header")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("pixel.png", None),
        ("data/pixel.png", None),
        ("../secret", "not above it"),
        ("a/../../b", "not above it"),
        ("/etc/passwd", "relative"),
        ("C:/x", "relative"),
        ("a\\b", "'/'"),
        (".env", "hidden"),
        ("a//b", "empty"),
    ],
)
def test_file_names_stay_inside_the_examples_folder(name: str, problem: str | None) -> None:
    found = tryblocks.file_name_problem(name)
    assert (found is None) if problem is None else (problem in (found or ""))


# Reading responses -----------------------------------------------------------------------

JSON = [("content-type", "application/json")]


def response(body: object, headers: list[tuple[str, str]] | None = None) -> Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(200, headers if headers is not None else JSON, data)


def test_captures_read_json_headers_cookies_bodies_and_regexes() -> None:
    reply = response(
        {"id": 7, "tags": ["a"]},
        [
            *JSON,
            ("location", "/items/7"),
            ("set-cookie", "session=old; Path=/"),
            ("set-cookie", "session=abc; HttpOnly; Max-Age=3600; Path=/; SameSite=lax"),
            ("set-cookie", "csrf=xyz; Path=/; Secure"),
        ],
    )
    assert Capture("id", Query("jsonpath", "$.id")).extract(reply) == "7"
    assert Capture("tags", Query("jsonpath", "$.tags")).extract(reply) == '["a"]'
    assert Capture("where", Query("header", "Location")).extract(reply) == "/items/7"
    assert Capture("s", Query("cookie", "session")).extract(reply) == "abc"  # the last one
    assert Capture("s", Query("cookie", "session[Value]")).extract(reply) == "abc"
    assert Capture("s", Query("cookie", "session[max-age]")).extract(reply) == "3600"
    assert Capture("s", Query("cookie", "session[SameSite]")).extract(reply) == "lax"
    assert Capture("code", Query("status")).extract(reply) == "200"
    assert Capture("n", Query("regex", r'"id": (\d+)')).extract(reply) == "7"
    assert Capture("all", Query("body")).extract(reply) == '{"id": 7, "tags": ["a"]}'
    for query, why in [
        (Query("jsonpath", "$.nope"), r"nothing at \$\.nope"),
        (Query("header", "etag"), "no header 'etag'"),
        (Query("cookie", "theme"), "sets no cookie 'theme'"),
        (Query("cookie", "csrf[Domain]"), "no Domain attribute"),
        (Query("regex", "(zzz)"), "nothing in the body matches"),
    ]:
        with pytest.raises(tryblocks.CaptureFailed, match=why):
            Capture("x", query).extract(reply)


def holds(assertion: Assertion, reply: Response) -> bool:
    return assertion.check(reply) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('jsonpath "$.name" == "Alice"', True),
        ('jsonpath "$.name" == "Bob"', False),
        ('jsonpath "$.active" == 1', False),  # true is not 1 in JSON
        ('jsonpath "$.count" == 1', True),
        ('jsonpath "$.count" == 1.0', True),
        ('jsonpath "$.name" contains "lic"', True),
        ('jsonpath "$.name" not contains "lic"', False),
        ('jsonpath "$.name" startsWith "Al"', True),
        ('jsonpath "$.name" endsWith "Al"', False),
        ('jsonpath "$.name" matches "^A.i"', True),
        ('jsonpath "$.name" matches /^a/', False),
        ('jsonpath "$.tags" includes "x"', True),
        ('jsonpath "$.tags" contains "x"', False),  # contains is for text; lists use includes
        ('jsonpath "$.tags" count == 2', True),
        ('jsonpath "$.tags" count > 2', False),
        ('jsonpath "$.missing" exists', False),
        ('jsonpath "$.missing" not exists', True),
        ('jsonpath "$.name" not exists', False),
        ('jsonpath "$.count" > 0', True),
        ('jsonpath "$.count" <= 0', False),
        ('jsonpath "$.name" > "Aa"', True),
        ('jsonpath "$.name" > 3', False),
        ('jsonpath "$.empty" isEmpty', True),
        ('jsonpath "$.tags" isCollection', True),
        ('jsonpath "$.count" isInteger', True),
        ('jsonpath "$.count" isFloat', False),
        ('jsonpath "$.active" isBoolean', True),
        ('jsonpath "$.active" isNumber', False),
        ('jsonpath "$.name" isString', True),
        ('body contains "\\"name\\": \\"Alice\\""', True),
        ('body matches "\\"count\\": \\\\d"', True),
        ('header "Content-Type" == "application/json"', True),
        ('header "Content-Type" contains "json"', True),
        ('header "Content-Type" matches "^text/"', False),
        ('header "X-Missing" not exists', True),
        ('header "Vary" == "Cookie"', True),  # a header sent twice: either value
        ('header "Vary" count == 2', True),
        ('header "X-Missing" count == 0', True),
        ("status == 200", True),
        ("status >= 400", False),
    ],
)
def test_predicates_hold_as_hurl_says(line: str, expected: bool) -> None:
    block = tryblocks.parse(f"GET /x\nHTTP 200\n[Asserts]\n{line}")
    reply = response(
        {"name": "Alice", "count": 1, "active": True, "tags": ["x", "y"], "empty": []},
        [*JSON, ("vary", "Accept"), ("vary", "Cookie")],
    )
    assert holds(block.asserts[0], reply) is expected


def test_failures_say_what_was_expected_and_what_was_there() -> None:
    reply = response({"name": "pencil", "tags": ["a"]}, [*JSON, ("set-cookie", "sid=1; Path=/")])

    def why(line: str) -> str | None:
        return tryblocks.parse(f"GET /x\nHTTP 200\n[Asserts]\n{line}").asserts[0].check(reply)

    assert why('jsonpath "$.name" == "pen"') == (
        'jsonpath "$.name" == "pen": expected "pen", actual "pencil"'
    )
    assert why('jsonpath "$.name" contains "ink"') == (
        'jsonpath "$.name" contains "ink": expected text containing "ink", actual "pencil"'
    )
    assert why('jsonpath "$.name" not exists') == (
        'jsonpath "$.name" not exists: expected nothing, actual "pencil"'
    )
    assert why('jsonpath "$.price" exists') == (
        'jsonpath "$.price" exists: expected a value, but nothing at $.price in the response body'
    )
    assert why('body matches "^<html"') == (
        "body matches /^<html/: expected text matching /^<html/, "
        'actual "{\\"name\\": \\"pencil\\", \\"tags\\": [\\"a\\"]}"'
    )
    assert why('cookie "sid[HttpOnly]" exists') == (
        'cookie "sid[HttpOnly]" exists: expected a value, '
        "but the cookie 'sid' has no HttpOnly attribute"
    )
    assert why('jsonpath "$.name" count == 1') == (
        'jsonpath "$.name" count == 1: expected 1, but count needs a list, got "pencil"'
    )


def test_an_expected_value_may_use_a_captured_variable() -> None:
    assertion = tryblocks.parse(
        'GET /x\nHTTP 200\n[Asserts]\njsonpath "$.csrf" == "{{csrf}}"'
    ).asserts[0]
    reply = response({"csrf": "t0k"})
    assert assertion.check(reply, {"csrf": "t0k"}) is None
    assert "actual" in (assertion.check(reply, {"csrf": "other"}) or "")
    assert assertion.check(reply) == (
        'jsonpath "$.csrf" == "{{csrf}}": uses {{csrf}}, which no earlier block captures'
    )


def test_the_body_is_decoded_with_the_charset_it_names() -> None:
    latin = Response(
        200, [("content-type", "text/plain; charset=ISO-8859-1")], "café".encode("latin-1")
    )
    assert latin.text() == "café"
    unknown = Response(200, [("content-type", "text/plain; charset=nope")], "café".encode())
    assert unknown.text() == "café"


def test_cookie_attributes_are_split_as_rfc_6265_says() -> None:
    reply = Response(
        200,
        [("set-cookie", "sid = a=b ; expires=Wed, 09 Jun 2021 10:18:14 GMT; SECURE; path=/x")],
        b"",
    )
    assert reply.cookie("sid") == {
        "Value": "a=b",
        "Expires": "Wed, 09 Jun 2021 10:18:14 GMT",
        "Secure": None,
        "Path": "/x",
    }
    assert reply.cookie("other") is None


def test_rendered_blocks_survive_a_pickle(tmp_path: Path) -> None:
    # The render cache pickles parsed blocks: every new field must pickle.
    import pickle

    block = tryblocks.parse(
        "POST /f\n[MultipartFormData]\na: file,x.txt;\nHTTP 200\n[Asserts]\nbody matches /a/"
    )
    assert pickle.loads(pickle.dumps(block)) == block

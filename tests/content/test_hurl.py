import pytest

from kb.content import hurl
from kb.content.assertions import Query
from kb.content.hurl import HurlError

CAPTURES = """csrf: cookie "csrf"
path: cookie "session[Path]"
whole: body
code: status
id: regex "id=(\\\\d+)"
other: regex /n=(\\d+)/ # a comment"""

ASSERTS = """body == "ok"
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
status != 500"""


def test_every_query_and_predicate_the_kb_runs_is_read() -> None:
    captures = [hurl.capture_line(line, n) for n, line in enumerate(CAPTURES.splitlines())]
    assert [c.query for c in captures] == [
        Query("cookie", "csrf"),
        Query("cookie", "session[Path]"),
        Query("body"),
        Query("status"),
        Query("regex", "id=(\\d+)"),
        Query("regex", "n=(\\d+)"),
    ]
    lines = ASSERTS.splitlines()
    described = [hurl.assertion_line(line, n).describe() for n, line in enumerate(lines)]
    # Each reads back as written, a quoted regex shown between slashes.
    assert described == [
        line.replace('matches "\\\\d{4}"', "matches /\\d{4}/").replace('"json"', "/json/")
        for line in lines
    ]


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ('xpath "//h1" exists', "the xpath query"),
        ("bytes count == 3", "the bytes query"),
        ("sha256 == 1", "the sha256 query"),
        ("duration < 100", "the duration query"),
        ('url == "/"', "the url query"),
        ('certificate "Subject" exists', "the certificate query"),
        ('jsonpath "$.a" split "," count == 2', "the split filter"),
        ('jsonpath "$.a" nth 0 == 1', "the nth filter"),
        ('jsonpath "$.d" isIsoDate', "the isIsoDate predicate"),
        ("body startsWith hex,ab;", "a hex,...; value"),
        ("body == `raw`", "a `raw string` value"),
        ('jsonpath "$.a" == {{x}}', "a {{variable}} value outside quotes"),
    ],
)
def test_an_assertion_the_kb_does_not_run_is_named(text: str, construct: str) -> None:
    with pytest.raises(HurlError) as info:
        hurl.assertion_line(text, 7)
    assert str(info.value).startswith(f"{construct} is Hurl syntax the KB does not run yet; ")
    assert info.value.line == 7


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ('t: xpath "string(//h1)"', "the xpath query"),
        ('t: header "X" regex "(a)"', "the regex filter"),
        ('t: header "X" redact', "redact"),
    ],
)
def test_a_capture_the_kb_does_not_run_is_named(text: str, construct: str) -> None:
    with pytest.raises(HurlError, match=f"^{construct} is Hurl syntax the KB does not run yet"):
        hurl.capture_line(text, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('jsonpath "$.a" equals 1', "old spelling: write =="),
        ('jsonpath "$.a" greaterThan 1', "old spelling: write >"),
        ("bad", "expected an assertion, a query"),
        ('header Location == "/"', "quoted string"),
        ('jsonpath "$.a" is 1', "expected a predicate"),
        ('jsonpath "$.a" contains 3', "takes a quoted string"),
        ('jsonpath "$.a" > [1]', "takes a number or a string"),
        ('jsonpath "$.a" ==', "needs a value"),
        ("body matches /(/", "does not compile"),
        ("body matches /unclosed", "ends with '/'"),
        ('cookie "a[Colour]" exists', "unknown cookie attribute"),
        ('cookie "a[Secure]" == true', "exists or not exists"),
        ('body == "a" extra', "unexpected 'extra'"),
        ('jsonpath "$..a" exists', "unsupported JSONPath"),
        ('jsonpath "$.a" count count == 1', "count comes once"),
        ("header", "followed by a space"),
    ],
)
def test_a_malformed_assertion_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(HurlError, match=message.replace("[", r"\[").replace("?", r"\?")):
        hurl.assertion_line(text, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("token jsonpath", "expected a capture"),
        ("token-id: body", "letters, digits and '_'"),
        ('id: regex "no group"', "captures a group"),
        ("x: nothing", "expected a capture's query"),
    ],
)
def test_a_malformed_capture_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(HurlError, match=message):
        hurl.capture_line(text, 0)

import json

import pytest

from kb.content import assertions
from kb.content.assertions import Assertion, Capture, Query, Response
from kb.content.hurl import assertion_line

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
        with pytest.raises(assertions.CaptureFailed, match=why):
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
    assertion = assertion_line(line, 0)
    reply = response(
        {"name": "Alice", "count": 1, "active": True, "tags": ["x", "y"], "empty": []},
        [*JSON, ("vary", "Accept"), ("vary", "Cookie")],
    )
    assert holds(assertion, reply) is expected


def test_failures_say_what_was_expected_and_what_was_there() -> None:
    reply = response({"name": "pencil", "tags": ["a"]}, [*JSON, ("set-cookie", "sid=1; Path=/")])

    def why(line: str) -> str | None:
        return assertion_line(line, 0).check(reply)

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
    assertion = assertion_line('jsonpath "$.csrf" == "{{csrf}}"', 0)
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


def test_an_assertion_evaluated_says_what_it_expected_and_what_was_there() -> None:
    data = response({"n": 1, "name": "ann"})
    held = Assertion(Query("jsonpath", "$.name"), "==", "ann").evaluate(data)
    assert (held.holds, held.expected, held.actual) == (True, '"ann"', '"ann"')
    failed = Assertion(Query("jsonpath", "$.n"), ">", 2).evaluate(data)
    assert (failed.holds, failed.expected, failed.actual) == (False, "more than 2", "1")
    assert failed.why == "expected more than 2, actual 1"
    missing = Assertion(Query("jsonpath", "$.gone"), "exists").evaluate(data)
    assert (missing.holds, missing.actual) == (False, "nothing at $.gone in the response body")
    absent = Assertion(Query("jsonpath", "$.gone"), "exists", negated=True).evaluate(data)
    assert absent.holds and absent.expected == "nothing"
    unknown = Assertion(Query("jsonpath", "$.name"), "==", "{{who}}").evaluate(data, {})
    assert (unknown.holds, unknown.actual) == (False, "no value")
    assert unknown.why == "uses {{who}}, which no earlier block captures"

from starlette.requests import Request

from kb.contribute.csrf import COOKIE, CsrfTokens


def request_with(cookie: str = "") -> Request:
    headers = [(b"cookie", f"{COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers})


def test_an_issued_token_is_valid_and_signed() -> None:
    tokens = CsrfTokens("k" * 32)
    token = tokens.issue()
    assert tokens.valid(token)
    assert not CsrfTokens("other" * 8).valid(token)
    nonce, issued, mac = token.split(".")
    assert not tokens.valid(f"{nonce}x.{issued}.{mac}")
    assert not tokens.valid("") and not tokens.valid("a.b") and not tokens.valid("..")


def test_tokens_expire() -> None:
    now = [1_000_000.0]
    tokens = CsrfTokens("k" * 32, max_age=60, clock=lambda: now[0])
    token = tokens.issue()
    now[0] += 61
    assert not tokens.valid(token)


def test_double_submit_is_checked() -> None:
    tokens = CsrfTokens("k" * 32)
    token = tokens.issue()
    assert tokens.problem(request_with(token), token) is None
    assert "no CSRF cookie" in (tokens.problem(request_with(), token) or "")
    assert "does not match" in (tokens.problem(request_with(token), "") or "")
    other = tokens.issue()
    assert "does not match" in (tokens.problem(request_with(token), other) or "")
    forged = "forged.123.abc"
    assert "expired or is not ours" in (tokens.problem(request_with(forged), forged) or "")


def test_a_valid_cookie_is_reused_so_open_tabs_keep_working() -> None:
    tokens = CsrfTokens("k" * 32)
    token = tokens.issue()
    assert tokens.for_request(request_with(token)) == token
    assert tokens.for_request(request_with("junk")) != "junk"

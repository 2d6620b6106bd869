import pytest
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.sandbox import readers
from kb.settings import Settings

SECRET = "s" * 40


def test_sign_and_verify() -> None:
    value = readers.sign("abcdefghijklmnop", SECRET)
    assert readers.verify(value, SECRET) == "abcdefghijklmnop"
    assert readers.verify(value, "t" * 40) is None
    assert readers.verify(value.replace("abc", "abd"), SECRET) is None
    assert readers.verify("short.mac", SECRET) is None
    assert readers.verify("", SECRET) is None


def test_a_new_browser_gets_a_signed_httponly_lax_cookie(site_settings: Settings) -> None:
    with TestClient(create_app(site_settings)) as client:
        response = client.get("/")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{readers.COOKIE}=")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http here
        # With the cookie, no new one is set.
        assert "set-cookie" not in client.get("/").headers


def test_a_forged_cookie_is_replaced(site_settings: Settings) -> None:
    with TestClient(create_app(site_settings)) as client:
        client.cookies.set(readers.COOKIE, "aaaaaaaaaaaaaaaaaaaa.forged")
        assert readers.COOKIE in client.get("/").headers["set-cookie"]


def test_over_https_the_cookie_is_secure(site_settings: Settings) -> None:
    with TestClient(create_app(site_settings), base_url="https://testserver") as client:
        assert "Secure" in client.get("/").headers["set-cookie"]


def test_the_cookie_is_found_among_others() -> None:
    value = readers.sign("abcdefghijklmnop", SECRET)
    headers = [
        (b"host", b"x"),
        (b"cookie", b"theme=dark; xkb_reader=nope"),
        (b"cookie", f"a=1; {readers.COOKIE}={value}; b=2".encode()),
    ]
    assert readers.cookie_value(headers) == value
    assert readers.cookie_value([(b"cookie", b"kb_reader_old=1")]) == ""
    assert readers.cookie_value([]) == ""


def test_verified_cookies_are_remembered_but_long_ones_never_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signed: list[str] = []
    sign = readers.sign

    def counting_sign(reader: str, secret: str) -> str:
        signed.append(reader)
        return sign(reader, secret)

    reader = readers.new_reader()  # not remembered by an earlier test
    value = sign(reader, SECRET)
    monkeypatch.setattr(readers, "sign", counting_sign)
    assert readers.verify_cached(value, SECRET) == reader and signed == [reader]
    assert readers.verify_cached(value, SECRET) == reader and signed == [reader]
    assert readers.verify_cached(value, "t" * 40) is None and signed == [reader, reader]
    # Refused unchecked, and however many arrive they push no verified cookie out.
    for n in range(10_000):
        assert readers.verify_cached(f"{n:0>16}." + "a" * 5000, SECRET) is None
    assert readers.verify_cached(value, SECRET) == reader and signed == [reader, reader]


def test_a_secret_longer_than_a_blake2b_key_signs_and_tells_secrets_apart() -> None:
    long_secret = "k" * 200
    value = readers.sign("reader-id-0123456789", long_secret)
    assert readers.verify(value, long_secret) == "reader-id-0123456789"
    assert readers.verify(value, "k" * 199 + "j") is None

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
    reader = "abcdefghijklmnop"
    value = readers.sign(reader, SECRET)
    headers = [
        (b"host", b"x"),
        (b"cookie", b"theme=dark; xkb_reader=nope"),
        (b"cookie", f"a=1; {readers.COOKIE}={value}; b=2".encode()),
    ]
    assert readers.reader_in(headers, SECRET) == (reader, value)
    assert readers.reader_in([(b"cookie", b"kb_reader_old=1")], SECRET) is None
    assert readers.reader_in([(b"cookie", f"{readers.COOKIE}={value}".encode())], "x" * 40) is None
    assert readers.reader_in([], SECRET) is None


def test_only_cookies_this_kb_signed_are_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    signed: list[str] = []
    sign = readers.sign

    def counting_sign(reader: str, secret: str) -> str:
        signed.append(reader)
        return sign(reader, secret)

    reader = readers.new_reader()  # not remembered by an earlier test
    header = f"theme=dark; {readers.COOKIE}={sign(reader, SECRET)}".encode()
    monkeypatch.setattr(readers, "sign", counting_sign)
    found = readers.reader_in_cookie_header(header, SECRET)
    assert found is not None and found[0] == reader and signed == [reader]
    assert readers.reader_in_cookie_header(header, SECRET) == found and signed == [reader]
    assert readers.reader_in_cookie_header(header, "t" * 40) is None and signed == [reader] * 2
    # A forged cookie is checked every time it comes, and however many arrive, of any
    # length, they push no reader out.
    forged = f"{readers.COOKIE}={'f' * 16}.{'a' * 32}".encode()
    assert readers.reader_in_cookie_header(forged, SECRET) is None and len(signed) == 3
    assert readers.reader_in_cookie_header(forged, SECRET) is None and len(signed) == 4
    for n in range(5_000):
        forged = f"{readers.COOKIE}={n:0>16}.{'a' * (n % 200)}".encode()
        assert readers.reader_in_cookie_header(forged, SECRET) is None
    signed.clear()
    assert readers.reader_in_cookie_header(header, SECRET) == found and signed == []


def test_a_secret_longer_than_a_blake2b_key_signs_and_tells_secrets_apart() -> None:
    long_secret = "k" * 200
    value = readers.sign("reader-id-0123456789", long_secret)
    assert readers.verify(value, long_secret) == "reader-id-0123456789"
    assert readers.verify(value, "k" * 199 + "j") is None


def test_a_long_cookie_header_is_read_but_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    signed: list[str] = []
    sign = readers.sign
    reader = readers.new_reader()
    header = f"junk={'x' * 5000}; {readers.COOKIE}={sign(reader, SECRET)}".encode()

    def counting_sign(reader: str, secret: str) -> str:
        signed.append(reader)
        return sign(reader, secret)

    monkeypatch.setattr(readers, "sign", counting_sign)
    for _ in range(2):
        found = readers.reader_in_cookie_header(header, SECRET)
        assert found is not None and found[0] == reader
    assert signed == [reader, reader]

import base64

import pytest

from kb.consoles import bodies

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (b"", "application/json", "empty"),
        (b'{"a": 1}', "application/json", "text"),
        (b"caf\xc3\xa9", "", "text"),  # no type: UTF-8 that decodes is text
        (b"caf\xe9", "text/plain; charset=ISO-8859-1", "text"),  # its own charset
        (b"caf\xe9", "text/plain", "binary"),  # says UTF-8, is not
        (b"a\x00b", "text/plain", "binary"),  # NUL: not text, whatever it says
        (b"\xff\xfe\x00", "", "binary"),
        (b"data: x\n\n", "text/event-stream; charset=utf-8", "events"),
        (PNG, "image/png", "image"),
        (b"GIF89a...", "image/gif", "image"),
        (b"\xff\xd8\xff\xe0", "image/jpeg", "image"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", "image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml", "image"),
        (b"plain text", "application/octet-stream", "binary"),  # declared bytes
        (b"%PDF-1.7", "application/pdf", "binary"),
        (b"ID3", "audio/mpeg", "binary"),
    ],
)
def test_kinds(body: bytes, content_type: str, kind: str) -> None:
    assert bodies.view(body, content_type, cut=False).kind == kind


def test_a_body_that_only_says_it_is_an_image_is_shown_as_bytes_with_a_note() -> None:
    shown = bodies.view(b"not a png", "image/png", cut=False)
    assert shown.kind == "binary"
    assert shown.note == "The body is declared image/png but is not one."


def test_text_is_decoded_in_its_charset_and_a_cut_character_left_out() -> None:
    assert bodies.view(b"caf\xe9", "text/plain; charset=latin-1", cut=False).text == "café"
    assert bodies.view("café".encode()[:-1], "text/plain", cut=True).text == "caf"
    # An unknown charset, or a codec that is no charset, falls back to UTF-8.
    assert bodies.view(b"ok", "text/plain; charset=nonsense", cut=False).text == "ok"
    assert bodies.view(b"ok", "text/plain; charset=base64", cut=False).text == "ok"


def test_hexdump_is_hexdump_minus_c() -> None:
    dump = bodies.hexdump(b"\x89PNG\r\n\x1a\n" + bytes(range(0x41, 0x51)) + b"!")
    assert dump.splitlines() == [
        "00000000  89 50 4e 47 0d 0a 1a 0a  41 42 43 44 45 46 47 48  |.PNG....ABCDEFGH|",
        "00000010  49 4a 4b 4c 4d 4e 4f 50  21                       |IJKLMNOP!|",
    ]


def test_hexdump_stops_at_its_limit() -> None:
    dump = bodies.hexdump(bytes(1000))
    assert len(dump.splitlines()) == 16  # 256 bytes, 16 a line
    assert bodies.hexdump(bytes(20), limit=8).endswith("|........|")


def test_data_urls() -> None:
    assert bodies.data_url(PNG, "image/png") == (
        f"data:image/png;base64,{base64.b64encode(PNG).decode()}"
    )
    assert bodies.data_url(b"x", "").startswith("data:application/octet-stream;base64,")


@pytest.mark.parametrize(
    ("disposition", "media_type", "path", "name"),
    [
        ('attachment; filename="prices.csv"', "text/csv", "/x", "prices.csv"),
        (
            "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
            "application/pdf",
            "/x",
            "résumé.pdf",
        ),
        ('attachment; filename="../../etc/passwd"', "text/plain", "/x", "passwd"),
        ('attachment; filename="a\\"b.txt"', "text/plain", "/x", "a_b.txt"),
        ("", "image/png", "/avatars/bob.png?scale=2", "bob.png"),
        ("", "image/png", "/avatars/bob", "response.png"),
        ("", "", "/download", "response.bin"),
    ],
)
def test_download_names(disposition: str, media_type: str, path: str, name: str) -> None:
    assert bodies.download_name(disposition, media_type, path) == name


def test_sizes() -> None:
    assert [bodies.size_text(n) for n in (1, 900, 2048, 3 * 1024 * 1024)] == [
        "1 byte",
        "900 bytes",
        "2.0 KiB",
        "3.0 MiB",
    ]

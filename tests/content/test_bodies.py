import pytest

from kb.content import bodies
from kb.content.bodies import BodyError, Part


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
    assert bodies.body_bytes(body, read_nothing) == sent


def test_a_file_body_names_a_file_beside_the_example() -> None:
    assert bodies.body_bytes("file,data/a.bin;", lambda name: name.encode()) == b"data/a.bin"
    assert bodies.body_file(" file,data/a.bin; ") == "data/a.bin"
    assert bodies.body_file("file,a\nb;") is None
    assert bodies.body_file('{"file": 1}') is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("hex,abc;", "hex digits"),
        ("base64,***;", "not valid base64"),
        ("file,../up.txt;", "not above it"),
        ("file,a\nb;", "on one line"),
        ("```\nno end", "ends with a line of ```"),
        ("```x y\nz\n```", "a language hint at most"),
        ("```one", "```text```"),
        ("```graphql\n{ me }\n```", "```graphql body is Hurl syntax the KB does not run"),
    ],
)
def test_malformed_byte_bodies_are_refused(body: str, message: str) -> None:
    with pytest.raises(BodyError, match=message):
        bodies.body_bytes(body, read_nothing)


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
    assert bodies.parse_parts("a: 1\r\n\n# note\nf: file,x.txt; text/plain") == (
        Part("a", "1"),
        Part("f", file="x.txt", content_type="text/plain"),
    )
    with pytest.raises(ValueError, match=r"line 2: .*not above it"):
        bodies.parse_parts("a: 1\nf: file,../x;")


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
    found = bodies.file_name_problem(name)
    assert (found is None) if problem is None else (problem in (found or ""))

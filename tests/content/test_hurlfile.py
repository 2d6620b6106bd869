"""An entry's try blocks as a Hurl file: every entry's file parses back to its requests."""

from __future__ import annotations

import base64
import re

import pytest

from kb.content import hurlfile, tryblocks
from kb.content.catalogue import Catalogue, Entry

BASE = "http://127.0.0.1:8000/"
# A Hurl entry starts at its request line: a method and an absolute URL.
_ENTRY_START = re.compile(r"^\s*[A-Z]+ https?://", re.M)


def entries_of(text: str) -> list[str]:
    """The file's Hurl entries (request, response and the comments after them)."""
    starts = [match.start() for match in _ENTRY_START.finditer(text)]
    return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]


def parsed_back(entry: Entry, text: str) -> list[tryblocks.TryBlock]:
    """Each request of the file after the first, parsed by the KB with its path relative."""
    mount_url = f"{BASE.rstrip('/')}{entry.mount}"
    blocks = []
    for chunk in entries_of(text)[1:]:
        _method, url = chunk.lstrip().split("\n", 1)[0].split()
        assert url.startswith(mount_url), url
        blocks.append(tryblocks.parse(chunk.replace(url, url[len(mount_url) :], 1)))
    return blocks


def sent_bytes(block: tryblocks.TryBlock) -> bytes:
    return tryblocks.body_bytes(block.body, lambda name: f"<{name}>".encode())


def test_every_entrys_hurl_file_parses_back_to_the_same_requests(
    project_catalogue: Catalogue,
) -> None:
    checked = 0
    for entry in project_catalogue.entries.values():
        if not entry.meta.example or not entry.rendered.try_blocks:
            continue
        text = hurlfile.hurl_file(entry, BASE)
        first = entries_of(text)[0]
        assert first.startswith(f"GET {BASE}patterns/{entry.slug}\nHTTP 200\n"), entry.slug
        again = parsed_back(entry, text)
        assert len(again) == len(entry.rendered.try_blocks), entry.slug
        for original, back in zip(entry.rendered.try_blocks, again, strict=True):
            where = f"{entry.slug}: {original.method} {original.path}"
            assert (back.method, back.path, back.headers) == (
                original.method,
                original.path,
                original.headers,
            ), where
            assert sent_bytes(back) == sent_bytes(original), where
            assert (back.status, back.captures, back.asserts, back.parts) == (
                original.status,
                original.captures,
                original.asserts,
                original.parts,
            ), where
            assert back.variables == original.variables, where
            checked += 1
    assert checked > 200  # the whole catalogue, not a few entries


@pytest.mark.parametrize(
    ("body", "written"),
    [
        ('{"id": {{id}}, "name": "{{name}}"}', ['{"id": {{id}}, "name": "{{name}}"}']),
        ("[1,\n 2]", ["[1,", " 2]"]),
        ("base64,aGk=;", ["base64,aGk=;"]),
        ("file,data.bin;", ["file,data.bin;"]),
        ("username=alice&password=wonder%20land", ["`username=alice&password=wonder%20land`"]),
        ('{"title": "broken",}', ['`{"title": "broken",}`']),
        ("line 1\nline 2\n", ["```", "line 1", "line 2", "```"]),
        ("a\\b", ["base64," + base64.b64encode(b"a\\b").decode() + ";"]),
        ("line 1\nline 2", ["base64," + base64.b64encode(b"line 1\nline 2").decode() + ";"]),
        ("Bearer {{token}}\nend", ["# Hurl sends this body with a newline at its end."]),
    ],
)
def test_a_body_becomes_one_hurl_reads_as_the_kb_sends_it(body: str, written: list[str]) -> None:
    lines = hurlfile.hurl_body(body)
    assert lines[: len(written)] == written
    if not lines[0].startswith("#"):
        text = "\n".join(lines)
        assert tryblocks.body_bytes(text, lambda n: n.encode()) == tryblocks.body_bytes(
            body, lambda n: n.encode()
        )


def test_the_file_names_its_page_the_files_and_a_fresh_sandbox(
    project_catalogue: Catalogue,
) -> None:
    entry = project_catalogue.entries["file-uploads"]
    text = hurlfile.hurl_file(entry, "https://kb.example/")
    assert text.startswith(
        "# File Uploads: the requests of https://kb.example/patterns/file-uploads\n"
    )
    assert "hurl --test --file-root examples/file_uploads/ file-uploads.hurl" in text
    assert (
        'GET https://kb.example/patterns/file-uploads\nHTTP 200\n[Asserts]\ncookie "kb_reader" exists'
        in text
    )
    assert "POST https://kb.example/examples/file-uploads/files\n[MultipartFormData]\n" in text
    assert "# Request 2, at https://kb.example/patterns/file-uploads#try-2\n" in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_an_entry_without_requests_has_no_file(project_catalogue: Catalogue) -> None:
    without = [e for e in project_catalogue.entries.values() if not e.rendered.try_blocks]
    for entry in without[:1]:
        with pytest.raises(hurlfile.NoRequests, match="has no requests to run"):
            hurlfile.hurl_file(entry, BASE)

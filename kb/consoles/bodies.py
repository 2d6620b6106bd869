"""What a console shows of a response body: text, events, an image, or bytes.

A body is shown as text only when it decodes (in its declared charset, else UTF-8)
without a single error: a console never shows U+FFFD for bytes it could not read. Images
are shown from a ``data:`` URL (the KB's Content-Security-Policy allows ``img-src data:``),
SVG included: inside an ``<img>`` an SVG's scripts never run. Other bytes get their
type, size, a hex dump of the first bytes and a download.
"""

from __future__ import annotations

import base64
import codecs
import mimetypes
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from kb.content import eventstream

Kind = Literal["empty", "text", "events", "image", "binary"]

# Shown inline, or offered as a data: URL download, up to this size: a data: URL is the
# body again, a third larger, inside the page.
DATA_URL_LIMIT = 256 * 1024
HEX_PREVIEW = 256  # bytes

IMAGE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
        "image/svg+xml",
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
)
# The first bytes each raster format starts with, to tell a real image from a body
# that only says it is one.
_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/bmp": (b"BM",),
}
_BINARY_FAMILIES = ("image/", "audio/", "video/", "font/", "model/")
_BINARY_TYPES = frozenset(
    {
        "application/octet-stream",
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/wasm",
        "application/protobuf",
        "application/x-protobuf",
        "application/vnd.google.protobuf",
        "application/msgpack",
        "application/x-msgpack",
        "application/cbor",
        "application/vnd.apache.parquet",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)
_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([\w.:-]+)", re.I)
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;\s]+)", re.I)
_FILENAME = re.compile(r"filename\s*=\s*(?:\"((?:[^\"\\]|\\.)*)\"|([^;\s]+))", re.I)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass(frozen=True)
class View:
    """How a body is shown: its kind, its text (text and events), a note."""

    kind: Kind
    text: str = ""
    note: str = ""  # e.g. why a body said to be an image is not shown as one


def view(body: bytes, content_type: str, cut: bool) -> View:
    """How to show ``body``, sent with ``content_type``; ``cut``: it may end mid-character."""
    if not body:
        return View("empty")
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == eventstream.MEDIA_TYPE:
        # The standard reads every event stream as UTF-8, and so does EventSource.
        return View("events", body.decode("utf-8", errors="replace"))
    if media_type in IMAGE_TYPES:
        if looks_like(body, media_type):
            return View("image")
        return View("binary", note=f"The body is declared {media_type} but is not one.")
    if declared_binary(media_type):
        return View("binary")
    text = decoded(body, charset_of(content_type), cut)
    return View("binary") if text is None else View("text", text)


def declared_binary(media_type: str) -> bool:
    """Whether a body of ``media_type`` (lower case, no parameters) is bytes, not text."""
    return media_type.startswith(_BINARY_FAMILIES) or media_type in _BINARY_TYPES


def looks_like(body: bytes, media_type: str) -> bool:
    """Whether ``body`` starts the way an image of ``media_type`` does."""
    if media_type == "image/svg+xml":
        text = decoded(body[:4096], "utf-8", cut=True)
        return text is not None and "<svg" in text
    if media_type == "image/webp":
        return body[:4] == b"RIFF" and body[8:12] == b"WEBP"
    signatures = _SIGNATURES.get(media_type)
    return signatures is None or body.startswith(signatures)


def charset_of(content_type: str) -> str:
    match = _CHARSET.search(content_type)
    return match.group(1) if match else ""


def decoded(body: bytes, charset: str, cut: bool) -> str | None:
    """``body`` as text, or None if it is not text: it does not decode, or holds NUL.

    A body ``cut`` short may end inside a character; that last part is left out.
    """
    decoder = text_decoder(charset)
    try:
        text = decoder.decode(body, final=not cut)
    except UnicodeDecodeError:
        return None
    return None if "\0" in text else text


def text_decoder(charset: str) -> codecs.IncrementalDecoder:
    """A strict incremental decoder for ``charset``; UTF-8 if it names no text encoding."""
    try:
        codec = codecs.lookup(charset or "utf-8")
    except LookupError:
        codec = codecs.lookup("utf-8")
    # Python's bytes-to-bytes codecs (base64, zlib…) are no charsets: str.decode refuses
    # them by this flag, which codecs.lookup leaves to be read.
    if not getattr(codec, "_is_text_encoding", True):
        codec = codecs.lookup("utf-8")
    return codec.incrementaldecoder("strict")


def hexdump(body: bytes, limit: int = HEX_PREVIEW) -> str:
    """The first ``limit`` bytes as ``hexdump -C`` prints them."""
    lines = []
    for offset in range(0, min(len(body), limit), 16):
        row = body[offset : min(offset + 16, limit)]
        left = " ".join(f"{byte:02x}" for byte in row[:8])
        right = " ".join(f"{byte:02x}" for byte in row[8:])
        printable = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in row)
        lines.append(f"{offset:08x}  {left:<23}  {right:<23}  |{printable}|")
    return "\n".join(lines)


def data_url(body: bytes, media_type: str) -> str:
    return f"data:{media_type or 'application/octet-stream'};base64,{base64.b64encode(body).decode('ascii')}"


def download_name(content_disposition: str, media_type: str, path: str = "") -> str:
    """The file name a download should get: the one the response names, else the last
    segment of the request's ``path`` if it has an extension, else a default."""
    name = ""
    if match := _FILENAME_STAR.search(content_disposition):
        encoding, quoted = match.groups()
        name = unquote(quoted, encoding=encoding if encoding.lower() == "utf-8" else "latin-1")
    elif match := _FILENAME.search(content_disposition):
        name = match.group(1) if match.group(1) is not None else match.group(2)
        name = re.sub(r"\\(.)", r"\1", name)
    else:
        last = unquote(path.partition("?")[0].rsplit("/", 1)[-1])
        name = last if "." in last.strip(".") else ""
    # Only a base name, and none a file system would refuse.
    name = _UNSAFE_NAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if name:
        return name[:120]
    extension = mimetypes.guess_extension(media_type) if media_type else None
    return f"response{extension or '.bin'}"


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes" if size != 1 else "1 byte"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / 1024 / 1024:.1f} MiB"

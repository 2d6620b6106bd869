"""A console's result: what the example answered, and how the page shows it."""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from http import HTTPStatus

from kb.consoles import bodies, inprocess
from kb.consoles.requests import ConsoleRequest
from kb.content import eventstream, tryblocks
from kb.content.highlight import highlight


@dataclass
class ConsoleResult:
    request: ConsoleRequest
    status: int
    elapsed_ms: float
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    truncated: bool = False
    error: str = ""  # set when the KB, not the example, stopped the request
    failure: inprocess.Failure | None = None  # an exception raised inside the example
    first_byte_ms: float = 0.0
    # Work after the response (background tasks): ms it took, "running", or None.
    after_response: float | str | None = None
    arrivals: tuple[inprocess.Arrival, ...] = ()  # the body's pieces, when each arrived
    incomplete: bool = False  # stopped while the example was still sending (error says so)

    @property
    def background_failure(self) -> inprocess.Failure | None:
        """An exception raised after the response was sent (by a background task)."""
        failure = self.failure
        return failure if failure is not None and failure.after_response else None

    @property
    def after_response_text(self) -> str:
        """What the work after the response did, in a sentence; "" when there was none."""
        work = "Work after the response (background tasks)"
        took = self.after_response
        if (failure := self.background_failure) is not None:
            when = f" after {took:.0f} ms" if isinstance(took, float) else ""
            return (
                f"{work} failed{when}: {failure.short}. The response had been sent "
                "already, so a client never learns of it."
            )
        if took is None:
            return ""
        if took == "running":
            return f"{work} is still running: the console stopped waiting for it."
        return f"{work} finished after {took:.0f} ms."

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""

    @property
    def status_class(self) -> str:
        return f"s{self.status // 100}xx"

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value
        return ""

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    def header(self, name: str) -> str:
        """The first value of header ``name`` (any case), or ""."""
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), "")

    def as_response(self) -> tryblocks.Response:
        # A list, not a dict: every Set-Cookie counts.
        return tryblocks.Response(
            self.status, [(name.lower(), value) for name, value in self.headers], self.body
        )

    @property
    def streamed(self) -> bool:
        """The body came in more than one piece, or was still coming when stopped."""
        return len(self.arrivals) > 1 or self.incomplete

    @cached_property
    def view(self) -> bodies.View:
        """What kind of body this is, and its text when it is text."""
        return bodies.view(self.body, self.content_type, self.truncated or self.incomplete)

    @property
    def body_text(self) -> str:
        if self.view.kind in ("text", "events"):
            return _pretty(self.view.text, self.media_type, self.truncated)
        return ""

    @property
    def body_html(self) -> str:
        """The body pretty-printed and highlighted; Pygments escapes every character.

        Only for a body of kind text or events; for others, an empty string.
        """
        if self.view.kind not in ("text", "events"):
            return ""
        if len(self.body) > MAX_REMEMBERED:
            return _body_html(self.view.text, self.media_type, self.truncated)
        return _remembered_body_html(self.view.text, self.media_type, self.truncated)

    @cached_property
    def events(self) -> list[tuple[eventstream.Event, float | None]]:
        """An event stream's blocks, each with when it arrived (ms after the request)."""
        if self.view.kind != "events":
            return []
        ends = [arrival.end for arrival in self.arrivals]
        timed = []
        for event in eventstream.parse(self.body):
            at = bisect.bisect_left(ends, event.end)
            timed.append((event, self.arrivals[at].ms if at < len(ends) else None))
        return timed

    @property
    def events_shown(self) -> list[tuple[eventstream.Event, float | None]]:
        return self.events[:MAX_EVENTS_SHOWN]

    @property
    def event_count(self) -> int:
        return sum(1 for event, _ in self.events if event.dispatched)

    @property
    def size_text(self) -> str:
        return bodies.size_text(len(self.body))

    @property
    def hex_preview(self) -> str:
        return bodies.hexdump(self.body)

    @property
    def image_url(self) -> str:
        """The body as a data: URL, when it is whole and small enough to show in the page."""
        if self.truncated or self.incomplete:
            return ""
        return self.download_url

    @property
    def download_url(self) -> str:
        """What arrived as a data: URL, when it is small enough to put in the page."""
        if len(self.body) > bodies.DATA_URL_LIMIT:
            return ""
        return bodies.data_url(self.body, self.media_type)

    @property
    def download_name(self) -> str:
        return bodies.download_name(
            self.header("content-disposition"), self.media_type, self.request.path
        )

    @property
    def linkable(self) -> bool:
        """A plain link to the same path repeats this request: a GET with nothing a
        browser would not send by itself."""
        return self.request.method == "GET" and all(
            name.lower() in _LINK_HEADERS for name, _ in self.request.headers
        )


# Readers send the same few requests again and again, and get the same bodies back:
# short bodies are highlighted once. The bound keeps the memory this takes small.
MAX_REMEMBERED = 4096  # bytes
MAX_EVENTS_SHOWN = 200  # of an event stream; the raw body has them all
_LINK_HEADERS = frozenset({"accept", "accept-language", "user-agent"})


def _pretty(text: str, media_type: str, truncated: bool) -> str:
    if media_type.endswith("json") and not truncated:
        try:
            pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return text
        return _SCALAR_ARRAY.sub(_inline, pretty)
    return text


# An array of strings, numbers, booleans or nulls as json.dumps(indent=2) lays it out, one
# item a line: a validation error's "loc": ["body", "name"] takes four lines that way.
_SCALAR = r'(?:"(?:[^"\\\n]|\\.)*"|-?[\d.eE+-]+|true|false|null)'
_SCALAR_ARRAY = re.compile(rf"\[\n\s*({_SCALAR}(?:,\n\s*{_SCALAR})*)\n\s*\]")
_ITEM_BREAK = re.compile(r",\n\s*")
MAX_INLINE_ARRAY = 60  # characters: a short array is shown on one line


def _inline(match: re.Match[str]) -> str:
    inline = "[" + _ITEM_BREAK.sub(", ", match.group(1)) + "]"
    return inline if len(inline) <= MAX_INLINE_ARRAY else match.group(0)


def _body_html(text: str, media_type: str, truncated: bool) -> str:
    language = "json" if media_type.endswith("json") else "text"
    if media_type in ("text/html", "application/xml", "text/xml"):
        language = "html"
    return highlight(_pretty(text, media_type, truncated), language)


_remembered_body_html = lru_cache(maxsize=256)(_body_html)

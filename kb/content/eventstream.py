"""``text/event-stream`` bodies read the way a browser's ``EventSource`` reads them.

The parsing follows the WHATWG HTML standard, "Server-sent events", section 9.2.6
(*Interpreting an event stream*): lines end in CRLF, LF or CR; a line starting with ``:``
is a comment; ``field: value`` loses one space after the colon; ``data`` lines join with
``\\n``; ``id`` persists from event to event until another ``id`` line changes it (one
holding NUL is ignored); ``retry`` counts only when it is all ASCII digits; a blank line
dispatches the event, and a block without ``data`` dispatches nothing.

Unlike ``EventSource``, the parser also keeps what a reader debugging a stream wants to
see and a browser throws away: the comments (keep-alive pings), the blocks that dispatch
nothing, and the block the stream ended in the middle of (marked incomplete).

Try blocks see a stream through :func:`document`: see CONTRIBUTING.md, "Streams".
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, replace
from typing import Any

MEDIA_TYPE = "text/event-stream"
_BOM = "\ufeff"


@dataclass(frozen=True)
class Event:
    """One block of the stream: the lines up to a blank line."""

    type: str  # the event's type: "message" unless an `event:` line names another
    data: str
    id: str  # the last event id, as EventSource's `lastEventId` reports it
    retry: int | None  # a valid `retry:` line in this block (milliseconds)
    comments: tuple[str, ...]
    end: int  # offset in the body just past the block (its blank line's first byte)
    dispatched: bool  # EventSource fires an event for it: the block had `data`
    complete: bool = True  # False: the stream ended before the blank line

    def as_json(self) -> dict[str, Any]:
        """The event as try blocks query it (see :func:`document`)."""
        found: dict[str, Any] = {"event": self.type, "data": self.data, "id": self.id}
        if self.retry is not None:
            found["retry"] = self.retry
        with contextlib.suppress(ValueError):
            found["json"] = json.loads(self.data)
        return found


class Parser:
    """An event stream fed as it arrives, in chunks cut anywhere."""

    def __init__(self) -> None:
        self._pending = b""  # bytes after the last complete line
        self._skip_lf = False  # the last chunk ended in CR: an LF next belongs to it
        self._offset = 0  # of _pending's first byte in the body
        self._first_line = True
        self._last_id = ""
        self._block_open = False  # a line of the current block was read
        self._type = ""
        self._data: list[str] = []
        self._id_changed = False
        self._retry: int | None = None
        self._comments: list[str] = []

    def feed(self, chunk: bytes) -> list[Event]:
        """The blocks that ``chunk`` completed."""
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
            self._offset += 1
        self._skip_lf = False
        buffer = self._pending + chunk
        events = []
        start = 0
        while (end := _line_end(buffer, start)) >= 0:
            after = end + 1
            if buffer[end : end + 1] == b"\r":
                if after == len(buffer):
                    self._skip_lf = True  # the LF of a CRLF may start the next chunk
                elif buffer[after : after + 1] == b"\n":
                    after += 1
            event = self._line(buffer[start:end].decode("utf-8", errors="replace"))
            if event is not None:
                # Past the blank line's first byte: the same wherever the chunks were cut.
                events.append(replace(event, end=self._offset + end + 1))
            start = after
        self._offset += start
        self._pending = buffer[start:]
        return events

    def close(self) -> Event | None:
        """The block the stream stopped inside, if any: EventSource never fires it."""
        if self._pending:
            self._offset += len(self._pending)
            self._line(self._pending.decode("utf-8", errors="replace"))
            self._pending = b""
        if not self._block_open:
            return None
        return replace(self._event(dispatched=False), end=self._offset, complete=False)

    def _line(self, line: str) -> Event | None:
        if self._first_line:
            self._first_line = False
            line = line.removeprefix(_BOM)
        if not line:
            if not self._block_open:
                return None
            return self._event(dispatched=bool(self._data))
        self._block_open = True
        if line.startswith(":"):
            self._comments.append(line[1:].removeprefix(" "))
            return None
        name, colon, value = line.partition(":")
        if colon:
            value = value.removeprefix(" ")
        if name == "event":
            self._type = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._last_id = value
            self._id_changed = True
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def _event(self, dispatched: bool) -> Event:
        event = Event(
            type=self._type or "message",
            data="\n".join(self._data),
            id=self._last_id,
            retry=self._retry,
            comments=tuple(self._comments),
            end=self._offset,
            dispatched=dispatched,
        )
        self._block_open = False
        self._type = ""
        self._data = []
        self._retry = None
        self._comments = []
        return event


def _line_end(buffer: bytes, start: int) -> int:
    """Where the first line ending (CR or LF) at or after ``start`` is, or -1."""
    cr, lf = buffer.find(b"\r", start), buffer.find(b"\n", start)
    if cr < 0 or lf < 0:
        return max(cr, lf)
    return min(cr, lf)


def parse(body: bytes) -> list[Event]:
    """Every block of ``body``, the last one incomplete if the stream stopped inside it."""
    parser = Parser()
    events = parser.feed(body)
    last = parser.close()
    return [*events, last] if last is not None else events


def document(body: bytes) -> dict[str, Any]:
    """What ``jsonpath`` queries in a try block when the response is an event stream.

    ``{"count": 2, "events": [{"event": "progress", "data": "{\\"percent\\": 50}",
    "id": "1", "json": {"percent": 50}}, ...]}``: the events an ``EventSource`` would
    fire, in order. ``json`` is there when ``data`` parses as JSON; ``retry`` when the
    event's block set one. Comments and blocks without data are not events.
    """
    events = [event.as_json() for event in parse(body) if event.dispatched]
    return {"count": len(events), "events": events}

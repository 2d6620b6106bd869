"""``POST /try/{slug}/live``: a console's request, its response shown while it streams.

The page's script sends console requests here, because it cannot know beforehand which
responses will stream. The console endpoint itself (:mod:`kb.web.tryit`) handles the
request, and its answer goes out untouched — the same bytes as from ``/try/{slug}`` —
unless the example's response comes in pieces. Then this answer becomes an event stream
of its own, sent as the example's response arrives:

- ``start``: the status line and an empty body for the pieces to fill (HTML);
- ``events`` (the example sent ``text/event-stream``: each block, rendered as the final
  result renders it), ``text`` (text, escaped) or ``bytes`` (anything else: only its
  size), with the body's size so far and the milliseconds since the request;
- ``result``: ``{"status": …, "html": …}``, the fragment ``/try/{slug}`` would have answered.

Each ``data`` is one line of JSON. Without JavaScript, forms post to ``/try/{slug}`` and
the page comes back with the whole response, as it always has.
"""

from __future__ import annotations

import codecs
import json
from http import HTTPStatus
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import escape
from starlette.types import Message, Receive, Scope, Send

from kb.consoles import bodies, inprocess
from kb.consoles.results import MAX_EVENTS_SHOWN
from kb.content import eventstream
from kb.middleware.observability import RouteLabel
from kb.web import tryit
from kb.web.deps import wants_fragment

_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    # A proxy that buffers (nginx does by default) would hold the events back.
    (b"x-accel-buffering", b"no"),
]


_FAILED = (
    '<div class="console-error" role="alert">The console could not finish this response; '
    "the server's log says why.</div>"
)


class LiveTryEndpoint:
    """``POST /try/{slug}/live``: see the module's docstring."""

    path = "/try/{slug}/live"
    _label = RouteLabel(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not wants_fragment(dict(scope["headers"])):
            # A whole page is asked for: there is no console on the page to fill as the
            # response arrives, so it is /try/{slug}'s answer.
            await tryit.try_request(scope, receive, send)
        else:
            live = LiveResponse(send, scope["app"].state.templates)
            token = inprocess.WATCHER.set(live)
            try:
                await tryit.try_request(scope, receive, live.answer)
            finally:
                inprocess.WATCHER.reset(token)
                # Our event stream, if it started, ends with a result whatever happened:
                # the page is waiting for one.
                await live.finish()
        scope["route"] = self._label  # the console endpoint set its own


live_request = LiveTryEndpoint()


class LiveResponse:
    """Watches the example's response (:class:`kb.consoles.inprocess.Watcher`) and the
    console endpoint's answer, and sends the browser one or the other."""

    def __init__(self, send: Send, templates: Jinja2Templates) -> None:
        self.send = send
        self.templates = templates
        self.streaming = False  # our own event stream has started
        self.gone = False  # the browser went away: the example goes on, unwatched
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.size = 0
        self.kind = "text"
        self.parser = eventstream.Parser()
        self.decoder: codecs.IncrementalDecoder | None = None
        self.shown = 0  # event-stream blocks sent
        self.answer_status = 200
        self.answer_body: list[bytes] = []

    async def started(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.status, self.headers = status, headers

    async def body(self, chunk: bytes, more: bool, ms: float) -> None:
        self.size += len(chunk)
        if not self.streaming:
            if not more:
                return  # the whole body in one piece: the ordinary answer shows it
            await self._start()
        await self._event(self._piece(chunk, ms))

    async def answer(self, message: Message) -> None:
        """The console endpoint's ``send``: through at once, or kept for ``result``."""
        if not self.streaming:
            await self.send(message)
        elif message["type"] == "http.response.start":
            self.answer_status = message["status"]
        elif message["type"] == "http.response.body":
            self.answer_body.append(message.get("body", b""))

    async def finish(self) -> None:
        if not self.streaming:
            return
        html = b"".join(self.answer_body).decode("utf-8", errors="replace")
        status = self.answer_status
        if not html:  # the console endpoint failed after the stream had started
            status, html = 500, _FAILED
        await self._event(("result", {"status": status, "html": html}))
        await self._send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _start(self) -> None:
        self.streaming = True
        content_type = next((v for n, v in self.headers if n == "content-type"), "")
        media_type = content_type.partition(";")[0].strip().lower()
        if media_type == eventstream.MEDIA_TYPE:
            self.kind = "events"
        elif bodies.declared_binary(media_type):
            self.kind = "bytes"
        else:
            self.kind = "text"
            self.decoder = bodies.text_decoder(bodies.charset_of(content_type))
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = ""
        html = self.templates.get_template("_try_live.html").render(
            status=self.status,
            reason=reason,
            status_class=f"s{self.status // 100}xx",
            kind=self.kind,
            media_type=media_type,
        )
        await self._send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        await self._event(("start", {"html": html}))

    def _piece(self, chunk: bytes, ms: float) -> tuple[str, dict[str, Any]]:
        data: dict[str, Any] = {"size": self.size, "ms": round(ms, 1)}
        if self.kind == "events":
            template = self.templates.get_template("_sse_event.html")
            parts = []
            for event in self.parser.feed(chunk):
                if self.shown < MAX_EVENTS_SHOWN:
                    parts.append(template.render(event=event, ms=ms))
                self.shown += 1
            data["html"] = "".join(parts)
            return "events", data
        if self.kind == "text" and self.decoder is not None:
            try:
                data["html"] = str(escape(self.decoder.decode(chunk)))
                return "text", data
            except UnicodeDecodeError:
                self.kind = "bytes"  # not text after all: from here on, only its size
        return "bytes", data

    async def _event(self, event: tuple[str, dict[str, Any]]) -> None:
        name, data = event
        line = json.dumps(data, separators=(",", ":"))
        await self._send(
            {
                "type": "http.response.body",
                "body": f"event: {name}\ndata: {line}\n\n".encode(),
                "more_body": True,
            }
        )

    async def _send(self, message: Message) -> None:
        if self.gone:
            return
        try:
            await self.send(message)
        except OSError:
            # The reader left. The example is not told: what the watcher raises, the
            # example would see raised by its own send.
            self.gone = True

"""A bakery's API: its logo and opening hours as files, a price list to download, an
avatar drawn in memory, an order form that redirects, and receipts as HTML pages."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Form, HTTPException, Query, Request, Response
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
)

FILES = Path(__file__).parent / "files"
# Only these files are served: a name from the URL never becomes a path on its own.
PUBLIC_FILES = {"logo.svg", "opening-hours.txt"}
PRICES = [("sourdough loaf", "4.20"), ("croissant", "1.80"), ("rye roll", "0.90")]


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """A PNG of 8-bit RGB ``rows`` (``width * 3`` bytes each), as the PNG spec lays it out."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels, 9))
        + chunk(b"IEND", b"")
    )


def identicon(name: str, scale: int) -> bytes:
    """A symmetric 5 x 5 pattern in a colour of its own, from a hash of ``name``."""
    digest = hashlib.sha256(name.encode()).digest()
    colour = bytes(64 + byte % 160 for byte in digest[:3])
    background = b"\xf4\xf1\xea"
    rows = []
    for y in range(5):
        cells = [digest[3 + y * 3 + min(x, 4 - x)] % 2 == 0 for x in range(5)]
        row = b"".join((colour if on else background) * scale for on in cells)
        rows.extend([row] * scale)
    return png(5 * scale, 5 * scale, rows)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.orders = {}
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Bakery", lifespan=lifespan)

    @app.get(
        "/avatars/{name}.png",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}, "description": "A PNG image."}},
    )
    async def avatar(name: str, scale: Annotated[int, Query(ge=1, le=32)] = 16) -> Response:
        image = identicon(name, scale)
        # The same name always draws the same image: let browsers keep it.
        headers = {"Cache-Control": "public, max-age=86400"}
        return Response(content=image, media_type="image/png", headers=headers)

    @app.get("/files/{name}", response_class=FileResponse)
    async def public_file(name: str, download: bool = False) -> FileResponse:
        if name not in PUBLIC_FILES:
            raise HTTPException(status_code=404, detail=f"no file {name}")
        # filename= makes it a download: Content-Disposition: attachment.
        return FileResponse(FILES / name, filename=name if download else None)

    @app.get("/prices.csv", response_class=Response)
    async def price_list() -> Response:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["item", "price_eur"])
        writer.writerows(PRICES)
        return Response(
            content=out.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="prices.csv"'},
        )

    @app.post("/orders", response_class=RedirectResponse, status_code=303)
    async def place_order(
        item: Annotated[str, Form(min_length=1, max_length=60)], request: Request
    ) -> str:
        orders: dict[int, str] = request.app.state.orders
        number = len(orders) + 1
        orders[number] = item
        # 303 See Other: the browser follows with a GET, so a reload shows the receipt
        # instead of placing the order again. url_for knows where the app is mounted.
        return request.url_for("receipt", number=number).path

    @app.get("/orders/{number}", response_class=HTMLResponse)
    async def receipt(number: int, request: Request) -> str:
        item = request.app.state.orders.get(number)
        if item is None:
            raise HTTPException(status_code=404, detail=f"no order {number}")
        return (
            "<!doctype html><title>Receipt</title>"
            f"<h1>Order {number}</h1><p>One {html.escape(item)}, thank you.</p>"
        )

    @app.get("/menu", response_class=RedirectResponse)
    async def menu(request: Request) -> str:
        # The default 307 keeps the method and body of the request it redirects.
        return request.url_for("price_list").path

    @app.get("/ping", response_class=PlainTextResponse)
    async def ping() -> str:
        return "pong"

    return app

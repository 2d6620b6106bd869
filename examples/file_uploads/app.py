"""File uploads: a multipart form with a file and a field, checked and streamed to disk.

Run alone: uvicorn --factory examples.file_uploads:create_app --reload
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel

MAX_UPLOAD_BYTES = 1024 * 1024  # one image
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024  # the image, the description, the encoding
CHUNK_BYTES = 64 * 1024
# The types accepted, each with the bytes its files start with.
SIGNATURES = {
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}


class StoredFile(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    description: str


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Every app (each reader's sandbox, each test) writes to its own folder, removed at
    # shutdown with whatever it holds.
    with tempfile.TemporaryDirectory(prefix="uploads-") as folder:
        app.state.folder = Path(folder)
        app.state.files = {}
        yield


def safe_name(filename: str | None) -> str:
    """A display name that cannot be a path: the last part, in a small alphabet."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")
    return name[:100] or "upload"


def check_type(upload: UploadFile) -> str:
    """The declared type, when it is one we take and the file's first bytes agree."""
    declared = upload.content_type or ""
    signature = SIGNATURES.get(declared)
    if signature is None:
        raise HTTPException(415, f"{declared or 'no type'} is not accepted: send PNG or JPEG")
    if not upload.file.read(len(signature)).startswith(signature):
        raise HTTPException(415, f"the file's first bytes are not those of {declared}")
    upload.file.seek(0)
    return declared


def save(upload: UploadFile, folder: Path) -> tuple[Path, int, str]:
    """Copy the upload to ``folder`` in chunks, hashing and counting; never over the limit."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as out:
        while chunk := upload.file.read(CHUNK_BYTES):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                Path(out.name).unlink()
                raise HTTPException(413, f"a file may have {MAX_UPLOAD_BYTES} bytes at most")
            digest.update(chunk)
            out.write(chunk)
    return Path(out.name), size, digest.hexdigest()


def create_app() -> FastAPI:
    app = FastAPI(title="File uploads", lifespan=lifespan)

    # max_body_size: a request declaring more is refused before its body is read, and one
    # streamed without a length is cut off at the limit, before the form is parsed.
    # A plain def: it reads and writes files, which blocks. FastAPI runs it in a thread.
    @app.post("/files", status_code=201, max_body_size=MAX_REQUEST_BYTES)
    def upload_file(
        file: UploadFile,
        request: Request,
        description: Annotated[str, Form(max_length=200)] = "",
    ) -> StoredFile:
        content_type = check_type(file)
        folder: Path = request.app.state.folder
        temporary, size, sha256 = save(file, folder)
        file_id = uuid.uuid4().hex
        shutil.move(temporary, folder / file_id)
        stored = StoredFile(
            id=file_id,
            filename=safe_name(file.filename),
            content_type=content_type,
            size=size,
            sha256=sha256,
            description=description,
        )
        request.app.state.files[file_id] = stored
        return stored

    @app.get("/files")
    async def list_files(request: Request) -> list[StoredFile]:
        return list(request.app.state.files.values())

    @app.get("/files/{file_id}/content")
    async def download(file_id: str, request: Request) -> FileResponse:
        stored: StoredFile | None = request.app.state.files.get(file_id)
        if stored is None:
            raise HTTPException(404, "no such file")
        return FileResponse(
            request.app.state.folder / file_id,
            media_type=stored.content_type,
            filename=stored.filename,  # Content-Disposition: attachment; filename=...
        )

    return app

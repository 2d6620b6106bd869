"""A console's request: what the reader (or the entry's try block) asks an example for,
with its body encoded as it is sent."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kb.content import sources, tryblocks

_HOP_BY_HOP = frozenset({"host", "content-length", "transfer-encoding", "connection"})


class RequestError(ValueError):
    """A request that cannot be built (a file part that is not there, a malformed
    ``hex,`` body); the message says why."""


@dataclass(frozen=True)
class Upload:
    """A file the reader chose in the console for a file part, sent instead of its default."""

    name: str  # of the file part it fills
    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ConsoleRequest:
    method: str
    path: str  # relative to the example's mount, starting with "/"
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    parts: tuple[tryblocks.Part, ...] = ()  # when set, sent as multipart/form-data
    uploads: tuple[Upload, ...] = ()
    files_dir: Path | None = None  # where file,NAME; parts and bodies are read from

    @classmethod
    def from_block(
        cls, block: tryblocks.TryBlock, variables: dict[str, str], files_dir: Path | None = None
    ) -> ConsoleRequest:
        """The block's request with ``{{name}}`` replaced (``UnknownVariable`` if one has no
        value); ``files_dir`` is the entry's, where the files the block sends are."""
        request = cls(
            block.method, block.path, block.headers, block.body, block.parts, files_dir=files_dir
        )
        return request.substitute(variables)

    def substitute(self, variables: dict[str, str]) -> ConsoleRequest:
        """This request with ``{{name}}`` replaced (``UnknownVariable`` if one has no value)."""
        if not self.uses_variables:
            return self
        return dataclasses.replace(
            self,
            path=tryblocks.substitute(self.path, variables),
            headers=tuple(
                (name, tryblocks.substitute(value, variables)) for name, value in self.headers
            ),
            body=tryblocks.substitute(self.body, variables),
            parts=tuple(
                dataclasses.replace(
                    part,
                    value=tryblocks.substitute(part.value, variables),
                    file=tryblocks.substitute(part.file, variables),
                )
                for part in self.parts
            ),
        )

    @property
    def uses_variables(self) -> bool:
        if "{{" in self.path or "{{" in self.body:
            return True
        if any("{{" in part.value or "{{" in part.file for part in self.parts):
            return True
        return any("{{" in value for _, value in self.headers)

    def with_cookies(self, cookies: str) -> ConsoleRequest:
        """This request with ``cookies`` (``a=1; b=2``) sent too: before the Cookie header
        it has, in that one header, so that the request's own cookies win (the last of a
        name is the one Starlette keeps)."""
        if not cookies:
            return self
        headers = list(self.headers)
        for index, (name, value) in enumerate(headers):
            if name.lower() == "cookie":
                headers[index] = (name, f"{cookies}; {value}")
                break
        else:
            headers.append(("Cookie", cookies))
        return dataclasses.replace(self, headers=tuple(headers))

    def read_file(self, name: str) -> bytes:
        if self.files_dir is None:
            raise RequestError(f"{name!r}: this request has no example folder to read files from")
        try:
            return sources.example_file(self.files_dir, name).read_bytes()
        except ValueError as exc:
            raise RequestError(str(exc)) from None

    def encode(self) -> tuple[list[tuple[str, str]], bytes]:
        """The headers and the body bytes to send; :class:`RequestError` when they cannot
        be made."""
        headers = [(n, v) for n, v in self.headers if n.lower() not in _HOP_BY_HOP]
        if not self.parts:
            try:
                return headers, tryblocks.body_bytes(self.body, self.read_file)
            except tryblocks.BodyError as exc:
                raise RequestError(f"the body: {exc}") from None
        content_type, body = self._multipart()
        headers = [(n, v) for n, v in headers if n.lower() != "content-type"]
        return [*headers, ("Content-Type", content_type)], body

    def _multipart(self) -> tuple[str, bytes]:
        # httpx2 (a dependency) builds the multipart body and its boundary. Imported here:
        # only an upload needs it, and importing it costs start-up time.
        import httpx2

        chosen = {upload.name: upload for upload in self.uploads}
        fields: dict[str, list[str]] = {}
        files: list[tuple[str, tuple[str, bytes, str]]] = []
        for part in self.parts:
            if not part.file:
                fields.setdefault(part.name, []).append(part.value)
            elif (upload := chosen.get(part.name)) is not None:
                kind = upload.content_type or "application/octet-stream"
                files.append((part.name, (upload.filename, upload.data, kind)))
            else:
                data = self.read_file(part.file)
                files.append((part.name, (PurePosixPath(part.file).name, data, part.media_type)))
        built = httpx2.Request("POST", "http://example/", data=fields, files=files)
        return built.headers["content-type"], built.read()

"""A request as code: curl, HTTPie, Python (httpx) and JavaScript (fetch).

Pure text, from what a console knows of a request: method, absolute URL, headers, and a
body as a try block writes it (text, or Hurl's ``base64,…;``, ``hex,…;``, ``file,NAME;``
and raw strings) or multipart parts. Each snippet sends the same bytes the console sends.
``{{name}}`` stays as written: a block's request before it is sent shows its variables.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from kb.content.bodies import BodyError, Part, body_bytes, body_file

_WITH_BODY = ("POST", "PUT", "PATCH")  # httpx's shortcuts that take a body
_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_HTTPIE_SEPARATORS = re.compile(r"([\\:=@\[\];])")


@dataclass(frozen=True)
class CodeRequest:
    method: str
    url: str  # absolute
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""  # as a try block writes it
    parts: tuple[Part, ...] = ()  # when set, sent as multipart/form-data

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


@dataclass(frozen=True)
class Snippet:
    language: str  # an id: curl, httpie, python, javascript
    label: str
    code: str


@dataclass(frozen=True)
class _Body:
    kind: Literal["none", "json", "form", "text", "bytes", "file"]
    text: str = ""
    data: bytes = b""
    value: Any = None  # json: the parsed document
    pairs: tuple[tuple[str, str], ...] = ()  # form: the fields, in order
    file: str = ""


_NO_BODY = _Body("none")


def _body_of(request: CodeRequest, body: _Body | None) -> _Body:
    if body is not None:
        return body
    return _body(request) if not request.parts else _NO_BODY


def _body(request: CodeRequest) -> _Body:
    if not request.body:
        return _Body("none")
    name = body_file(request.body)
    if name is not None:
        return _Body("file", file=name)
    try:
        data = body_bytes(request.body, lambda name: b"")
    except BodyError:
        data = request.body.encode()  # a malformed byte form is sent as it is written
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return _Body("bytes", data=data)
    if "\0" in text or "\r" in text:
        # A shell argument cannot carry NUL, and copying may lose a CR: sent as bytes.
        return _Body("bytes", text=text, data=data)
    media_type = (request.header("content-type") or "").partition(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            return _Body("json", text=text, data=data, value=json.loads(text))
        except ValueError:
            pass
    if media_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs and urlencode(pairs) == text:  # the fields encode back to the same bytes
            return _Body("form", text=text, data=data, pairs=tuple(pairs))
    return _Body("text", text=text, data=data)


def snippets(request: CodeRequest) -> list[Snippet]:
    body = _body(request) if not request.parts else _NO_BODY  # read once, for all four
    return [
        Snippet("curl", "curl", curl(request, body)),
        Snippet("httpie", "HTTPie", httpie(request, body)),
        Snippet("python", "Python (httpx)", python(request, body)),
        Snippet("javascript", "JavaScript (fetch)", javascript(request, body)),
    ]


def _shell(lines: list[list[str]], before: str = "", after: str = "") -> str:
    """A command of quoted words, one group a line, continued with backslashes."""
    text = " \\\n  ".join(" ".join(shlex.quote(word) for word in line) for line in lines)
    return before + text + after


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _file_name(name: str) -> str:
    return PurePosixPath(name).name


def curl(request: CodeRequest, body: _Body | None = None) -> str:
    if request.method == "HEAD":
        first = ["curl", "-I", request.url]
    elif request.method == "GET":
        first = ["curl", "-i", request.url]
    else:
        first = ["curl", "-i", "-X", request.method, request.url]
    lines = [first]
    for name, value in request.headers:
        if not (request.parts and name.lower() == "content-type"):
            # "Name:" with nothing after it would remove the header: "Name;" sends it empty.
            lines.append(["-H", f"{name}: {value}" if value else f"{name};"])
    for part in request.parts:
        lines.append(_curl_part(part))
    body = _body_of(request, body)
    before = ""
    if body.kind == "file":
        lines.append(["--data-binary", f"@{body.file}"])
    elif body.kind == "bytes":
        before = f"printf %s {_b64(body.data)} | base64 -d | "
        lines.append(["--data-binary", "@-"])
    elif body.kind != "none":
        lines.append(["--data-raw", body.text])
    return _shell(lines, before)


def _curl_part(part: Part) -> list[str]:
    if not part.file:
        # curl -F reads a value starting with @ or < as a file: --form-string never does.
        flag = "--form-string" if part.value.startswith(("@", "<")) else "-F"
        return [flag, f"{part.name}={part.value}"]
    name = part.file
    if re.search(r'[;,"]', name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return ["-F", f"{part.name}=@{name};type={part.media_type}"]


def _httpie_key(name: str) -> str:
    return _HTTPIE_SEPARATORS.sub(r"\\\1", name)


def httpie(request: CodeRequest, body: _Body | None = None) -> str:
    body = _body_of(request, body)
    flags: list[str] = []
    items: list[str] = []
    before = after = ""
    if request.parts:
        flags.append("--multipart")
        for part in request.parts:
            if part.file:
                items.append(f"{_httpie_key(part.name)}@{part.file};type={part.media_type}")
            else:
                items.append(f"{_httpie_key(part.name)}={part.value}")
    elif body.kind == "json" and _flat_object(body.value):
        for key, value in body.value.items():
            if isinstance(value, str):
                items.append(f"{key}={value}")
            else:
                items.append(f"{key}:={json.dumps(value, ensure_ascii=False)}")
    elif body.kind == "form" and len({key for key, _ in body.pairs}) == len(body.pairs):
        flags.append("--form")
        items += [f"{_httpie_key(key)}={value}" for key, value in body.pairs]
    elif body.kind in ("json", "form", "text"):
        flags += ["--raw", body.text]
    elif body.kind == "bytes":
        before = f"printf %s {_b64(body.data)} | base64 -d | "
    elif body.kind == "file":
        after = " < " + shlex.quote(body.file)
    lines = [["http", *flags, request.method, request.url]]
    for name, value in request.headers:
        if not (request.parts and name.lower() == "content-type"):
            lines.append([f"{name}:{value}" if value else f"{name};"])  # as for curl
    if body.kind in ("text", "bytes", "file") and request.header("content-type") is None:
        lines.append(["Content-Type:"])  # HTTPie would send its JSON type; the KB sends none
    lines += [[item] for item in items]
    return _shell(lines, before, after)


def _flat_object(value: Any) -> bool:
    """A JSON object HTTPie's ``key=value`` and ``key:=json`` items say exactly."""
    return (
        isinstance(value, dict)
        and bool(value)
        and all(_SIMPLE_KEY.match(key) for key in value)
        and all(not isinstance(item, (dict, list)) for item in value.values())
    )


_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f\u2028\u2029]*')


def _string(text: str) -> str:
    """A double-quoted string literal, as valid in Python as in JavaScript."""
    if _PLAIN.fullmatch(text):  # most are: nothing to escape
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


def _python_value(value: Any, indent: str) -> str:
    """A JSON document as a Python literal, indented by four spaces a level."""
    inner = indent + "    "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{_string(k)}: {_python_value(v, inner)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [f"{inner}{_python_value(item, inner)}," for item in value]
        return "[\n" + "\n".join(items) + f"\n{indent}]"
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, bool):
        return str(value)
    return repr(value)


def _python_pairs(pairs: list[tuple[str, str]], indent: str) -> str:
    """Pairs as a dict literal; a name given twice makes its value a list."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    document = {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}
    return _python_value(document, indent)


def python(request: CodeRequest, body: _Body | None = None) -> str:
    body = _body_of(request, body)
    imports = ["import httpx"]
    arguments: list[str] = [_string(request.url)]
    dropped = ""  # a Content-Type httpx sets itself for json=, data= or files=
    if body.kind == "json":
        arguments.append(f"json={_python_value(body.value, '    ')}")
        dropped = "application/json"
    elif body.kind == "form":
        arguments.append(f"data={_python_pairs(list(body.pairs), '    ')}")
        dropped = "application/x-www-form-urlencoded"
    elif body.kind == "text":
        arguments.append(f"content={_string(body.text)}")
    elif body.kind == "bytes":
        arguments.append(f"content={body.data!r}")
    elif body.kind == "file":
        imports.append("from pathlib import Path")
        arguments.append(f"content=Path({_string(body.file)}).read_bytes()")
    if request.parts:
        fields = [(part.name, part.value) for part in request.parts if not part.file]
        if fields:
            arguments.append(f"data={_python_pairs(fields, '    ')}")
        files = [
            f"        ({_string(part.name)}, ({_string(_file_name(part.file))}, "
            f"Path({_string(part.file)}).read_bytes(), {_string(part.media_type)})),"
            for part in request.parts
            if part.file
        ]
        if files:
            imports.append("from pathlib import Path")
            arguments.append("files=[\n" + "\n".join(files) + "\n    ]")
    headers = [
        (name, value)
        for name, value in request.headers
        if not (name.lower() == "content-type" and (request.parts or value == dropped))
    ]
    if headers:
        if len({name.lower() for name, _ in headers}) == len(headers):
            arguments.insert(1, f"headers={_python_pairs(headers, '    ')}")
        else:  # a header sent twice: as a list of pairs
            listed = "".join(f"\n        ({_string(n)}, {_string(v)})," for n, v in headers)
            arguments.insert(1, f"headers=[{listed}\n    ]")
    has_body = body.kind != "none" or bool(request.parts)
    if has_body and request.method not in _WITH_BODY:
        # httpx.get(), .delete()... take no body: the general form does.
        arguments.insert(0, _string(request.method))
        call = "httpx.request"
    else:
        call = f"httpx.{request.method.lower()}"
    if len(arguments) == 1:
        call_text = f"{call}({arguments[0]})"
    else:
        call_text = f"{call}(\n" + "".join(f"    {argument},\n" for argument in arguments) + ")"
    return "\n".join(
        [
            *sorted(set(imports), key=imports.index),
            "",
            f"response = {call_text}",
            "print(response.status_code, response.headers)",
            "print(response.text)",
        ]
    )


def javascript(request: CodeRequest, body: _Body | None = None) -> str:
    body = _body_of(request, body)
    prelude: list[str] = []
    options: list[str] = []
    if request.method != "GET":
        options.append(f"  method: {_string(request.method)},")
    headers = [
        (name, value)
        for name, value in request.headers
        if not (request.parts and name.lower() == "content-type")
    ]
    if headers:
        if len({name.lower() for name, _ in headers}) == len(headers):
            listed = "".join(f"\n    {_string(n)}: {_string(v)}," for n, v in headers)
            options.append(f"  headers: {{{listed}\n  }},")
        else:  # a header sent twice: as a list of pairs
            listed = "".join(f"\n    [{_string(n)}, {_string(v)}]," for n, v in headers)
            options.append(f"  headers: [{listed}\n  ],")
    reads_files = body.kind == "file" or any(part.file for part in request.parts)
    if reads_files:
        prelude.append('import { readFile } from "node:fs/promises";  // Node.js')
    if body.kind == "json":
        document = json.dumps(body.value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        options.append(f"  body: JSON.stringify({document}),")
    elif body.kind == "form":
        listed = "".join(f"\n    [{_string(n)}, {_string(v)}]," for n, v in body.pairs)
        options.append(f"  body: new URLSearchParams([{listed}\n  ]),")
    elif body.kind == "text":
        options.append(f"  body: {_string(body.text)},")
    elif body.kind == "bytes":
        options.append(
            f"  body: Uint8Array.from(atob({_string(_b64(body.data))}), (c) => c.charCodeAt(0)),"
        )
    elif body.kind == "file":
        options.append(f"  body: await readFile({_string(body.file)}),")
    if request.parts:
        prelude.append("const form = new FormData();")
        for part in request.parts:
            if part.file:
                blob = (
                    f"new Blob([await readFile({_string(part.file)})], "
                    f"{{ type: {_string(part.media_type)} }})"
                )
                name = _string(_file_name(part.file))
                prelude.append(f"form.append({_string(part.name)}, {blob}, {name});")
            else:
                prelude.append(f"form.append({_string(part.name)}, {_string(part.value)});")
        options.append("  body: form,")
    if options:
        call = f"await fetch({_string(request.url)}, {{\n" + "\n".join(options) + "\n});"
    else:
        call = f"await fetch({_string(request.url)});"
    lines = [*prelude, "" if prelude else None, f"const response = {call}"]
    lines += ["console.log(response.status, Object.fromEntries(response.headers));"]
    lines += ["console.log(await response.text());"]
    return "\n".join(line for line in lines if line is not None)

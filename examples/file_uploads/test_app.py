"""The limits and checks that the entry's try blocks cannot all show."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .app import MAX_REQUEST_BYTES, MAX_UPLOAD_BYTES, create_app, safe_name

HERE = Path(__file__).parent
PNG = (HERE / "pixels.png").read_bytes()


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_an_upload_is_stored_and_downloaded_as_an_attachment(client: TestClient) -> None:
    created = client.post(
        "/files",
        files={"file": ("../../etc/holiday photo.png", PNG, "image/png")},
        data={"description": "sea"},
    )
    assert created.status_code == 201
    stored = created.json()
    assert stored["filename"] == "holiday_photo.png"  # never a path
    assert stored["size"] == len(PNG)
    download = client.get(f"/files/{stored['id']}/content")
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"] == 'attachment; filename="holiday_photo.png"'


def test_a_request_declaring_too_many_bytes_is_refused_before_it_is_read(
    client: TestClient,
) -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_REQUEST_BYTES
    response = client.post("/files", files={"file": ("big.png", big, "image/png")})
    assert (response.status_code, response.text) == (413, "Content Too Large")


def test_a_file_over_its_own_limit_is_counted_while_it_is_saved(client: TestClient) -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_UPLOAD_BYTES  # the request itself is allowed
    response = client.post("/files", files={"file": ("big.png", big, "image/png")})
    assert response.status_code == 413
    assert response.json()["detail"] == f"a file may have {MAX_UPLOAD_BYTES} bytes at most"
    assert client.get("/files").json() == []
    folder: Path = client.app.state.folder  # type: ignore[attr-defined]
    assert list(folder.iterdir()) == []  # the partial copy is gone


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(client: TestClient) -> None:
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        yield head + b"\x89PNG\r\n\x1a\n"
        for _ in range(MAX_REQUEST_BYTES // 65536 + 1):
            yield b"\0" * 65536
        yield tail

    response = client.post(
        "/files",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "Content Too Large"}


def test_each_app_has_its_own_folder_removed_at_shutdown() -> None:
    with TestClient(create_app()) as first, TestClient(create_app()) as second:
        folder: Path = first.app.state.folder  # type: ignore[attr-defined]
        assert folder != second.app.state.folder  # type: ignore[attr-defined]
        first.post("/files", files={"file": ("p.png", PNG, "image/png")})
        assert len(list(folder.iterdir())) == 1
    assert not folder.exists()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("photo.png", "photo.png"),
        ("C:\\Users\\me\\photo.png", "photo.png"),
        ("../../.bashrc", "bashrc"),
        ("<script>.png", "_script_.png"),
        ("", "upload"),
        (None, "upload"),
    ],
)
def test_a_client_file_name_is_never_used_as_a_path(name: str | None, safe: str) -> None:
    assert safe_name(name) == safe

from __future__ import annotations

import pytest

from kb.consoles.requests import ConsoleRequest, RequestError
from kb.content import tryblocks
from kb.settings import Settings

MOUNT = "/examples/greeting"


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            ConsoleRequest("POST", "/upload", parts=(tryblocks.Part("f", file="nope.txt"),)),
            "no example folder",
        ),
        (ConsoleRequest("POST", "/echo-body", body="file,nope.bin;"), "no example folder"),
        (ConsoleRequest("POST", "/echo-body", body="hex,0;"), "the body: the hex"),
    ],
)
def test_a_request_that_cannot_be_built_says_why(request_: ConsoleRequest, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        request_.encode()


def test_a_missing_file_beside_the_example_is_named(site_settings: Settings) -> None:
    request = ConsoleRequest(
        "POST",
        "/upload",
        parts=(tryblocks.Part("f", file="nope.txt"),),
        files_dir=site_settings.examples_dir,
    )
    with pytest.raises(RequestError, match=r"no file 'nope\.txt' beside the example"):
        request.encode()

"""The suite's own rule (tests/conftest.py): an example that fails to start fails the test
with that reason, not with whatever the test asserted next."""

import pytest

BROKEN_EXAMPLE_SUITE = """
import pytest
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.settings import Settings


def names_added(settings: Settings) -> str:
    (settings.examples_dir / "greeter.py").write_text(
        "def create_app():\\n    raise RuntimeError('no names today')\\n"
    )
    with TestClient(create_app(settings)) as client:
        client.get("/")
        form = {"block": "0", "method": "POST", "path": "/names", "body": '{"name": "a"}'}
        return client.post("/try/greeting", data=form, headers={"HX-Request": "true"}).text


def test_asserts_the_answer(site_settings: Settings) -> None:
    assert "201 Created" in names_added(site_settings)


def test_asserts_nothing(site_settings: Settings) -> None:
    names_added(site_settings)


@pytest.mark.example_fails
def test_expects_the_failure(site_settings: Settings) -> None:
    assert "not running" in names_added(site_settings)
"""


@pytest.mark.example_fails  # the inner suite's failures are recorded here too
def test_a_test_whose_example_fails_to_start_says_so(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from tests.conftest import *  # noqa: F403")
    pytester.makepyfile(test_broken=BROKEN_EXAMPLE_SUITE)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    why = "example failed to start: examples/greeter: create_app() failed: "
    result.stdout.fnmatch_lines(
        [
            "*_ test_asserts_the_answer _*",
            "*assert '201 Created' in *",  # the test's own assertion, shown as the cause
            "*direct cause of the following exception*",
            f"E * Failed: {why}*greeter.py:2: RuntimeError: no names today",
            "*_ test_asserts_nothing _*",
            f"E * Failed: {why}*greeter.py:2: RuntimeError: no names today",
        ]
    )

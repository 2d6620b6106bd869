"""Idempotency keys in the request-validation example: replay, 422, 409, per client, expiry."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import HTTPException

from examples.request_validation import IdempotencyKeys, Task

TASK = Task(
    id=1,
    project_id=1,
    notify="none",
    locale="en",
    title="Write the release notes",
    assignee_email="ada@example.com",
    estimate_hours=2,
    start_date=date(2027, 1, 10),
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_retry_after_the_first_request_finished_gets_its_response() -> None:
    keys = IdempotencyKeys(ttl=60)
    assert keys.begin("web", "key-0001", "same") is None
    keys.finish("web", "key-0001", TASK)
    assert keys.begin("web", "key-0001", "same") is TASK


def test_a_retry_while_the_first_request_runs_is_a_409() -> None:
    keys = IdempotencyKeys(ttl=60)
    assert keys.begin("web", "key-0001", "same") is None
    with pytest.raises(HTTPException) as raised:
        keys.begin("web", "key-0001", "same")
    assert raised.value.status_code == 409


def test_the_same_key_for_a_different_request_is_a_422_even_in_flight() -> None:
    keys = IdempotencyKeys(ttl=60)
    assert keys.begin("web", "key-0001", "first") is None
    with pytest.raises(HTTPException) as raised:
        keys.begin("web", "key-0001", "second")
    assert raised.value.status_code == 422


def test_keys_are_scoped_per_client() -> None:
    keys = IdempotencyKeys(ttl=60)
    assert keys.begin("web", "key-0001", "web's request") is None
    keys.finish("web", "key-0001", TASK)
    assert keys.begin("mobile", "key-0001", "mobile's request") is None


def test_an_abandoned_request_can_be_retried_with_its_key() -> None:
    keys = IdempotencyKeys(ttl=60)
    assert keys.begin("web", "key-0001", "same") is None
    keys.abandon("web", "key-0001")
    assert keys.begin("web", "key-0001", "same") is None


def test_keys_expire_after_their_ttl() -> None:
    clock = Clock()
    keys = IdempotencyKeys(ttl=60, clock=clock)
    assert keys.begin("web", "key-0001", "first") is None
    keys.finish("web", "key-0001", TASK)
    clock.now += 59
    assert keys.begin("web", "key-0001", "first") is TASK
    clock.now += 1
    assert keys.begin("web", "key-0001", "a new request") is None

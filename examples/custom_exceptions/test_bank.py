"""The service layer is tested without HTTP: domain errors are plain exceptions."""

import pytest

from .bank import Account, Bank
from .errors import AccountNotFound, Conflict, InsufficientFunds


@pytest.fixture
def bank() -> Bank:
    return Bank([Account("a", "Ann", 1_000), Account("b", "Ben", 0)])


def test_insufficient_funds_changes_nothing(bank: Bank) -> None:
    with pytest.raises(InsufficientFunds) as caught:
        bank.transfer("a", "b", 5_000)
    assert caught.value.details == {"account_id": "a", "balance": 1_000, "requested": 5_000}
    assert isinstance(caught.value, Conflict)
    assert (bank.get("a").balance, bank.get("b").balance) == (1_000, 0)


def test_unknown_account(bank: Bank) -> None:
    with pytest.raises(AccountNotFound, match="'zed'"):
        bank.transfer("a", "zed", 1)

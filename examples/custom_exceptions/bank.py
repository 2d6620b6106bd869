"""The service layer: plain Python that raises domain exceptions and knows nothing of HTTP."""

from dataclasses import dataclass

from .errors import AccountFrozen, AccountNotFound, InsufficientFunds, SameAccountTransfer


@dataclass
class Account:
    id: str
    owner: str
    balance: int  # in cents: money is never a float
    frozen: bool = False


class Bank:
    def __init__(self, accounts: list[Account]) -> None:
        self._accounts = {account.id: account for account in accounts}

    def get(self, account_id: str) -> Account:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise AccountNotFound(account_id) from None

    def transfer(self, source_id: str, target_id: str, amount: int) -> tuple[Account, Account]:
        if source_id == target_id:
            raise SameAccountTransfer(source_id)
        source, target = self.get(source_id), self.get(target_id)
        for account in (source, target):
            if account.frozen:
                raise AccountFrozen(account.id)
        if source.balance < amount:
            raise InsufficientFunds(source.id, balance=source.balance, requested=amount)
        # Every check has passed: only now does any state change.
        source.balance -= amount
        target.balance += amount
        return source, target

"""The domain's exceptions: what went wrong in business terms, with no HTTP in sight."""

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error the service layer raises on purpose."""

    code: ClassVar[str] = "domain_error"  # stable: clients switch on it
    title: ClassVar[str] = "The request breaks a business rule"  # the same for every occurrence

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    """The request is valid, but the current state of the data forbids it."""

    code = "conflict"
    title = "Conflict with the current state"


class RuleViolation(DomainError):
    code = "rule_violation"
    title = "Business rule violated"


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "Account not found"

    def __init__(self, account_id: str) -> None:
        super().__init__(f"Account {account_id!r} does not exist.", account_id=account_id)


class InsufficientFunds(Conflict):
    code = "insufficient_funds"
    title = "Insufficient funds"

    def __init__(self, account_id: str, balance: int, requested: int) -> None:
        super().__init__(
            f"Account {account_id!r} cannot cover this transfer.",
            account_id=account_id,
            balance=balance,
            requested=requested,
        )


class AccountFrozen(Conflict):
    code = "account_frozen"
    title = "Account frozen"

    def __init__(self, account_id: str) -> None:
        super().__init__(f"Account {account_id!r} is frozen.", account_id=account_id)


class SameAccountTransfer(RuleViolation):
    code = "same_account_transfer"
    title = "Source and target are the same account"

    def __init__(self, account_id: str) -> None:
        super().__init__("Source and target must be different accounts.", account_id=account_id)

"""The payment provider: an in-process stand-in for a card processor's API."""

from dataclasses import dataclass

DECLINED_CARD = "tok_declined"  # a test card, as real processors have


@dataclass(frozen=True)
class Charge:
    id: str
    amount_cents: int


class CardDeclined(Exception):
    pass


class PaymentProvider:
    """Charges cards, and honours idempotency keys the way Stripe or Adyen do.

    That is what makes a retry after a crash safe: charging again with the same key
    returns the charge that was already made instead of making a second one.
    """

    def __init__(self) -> None:
        self.charges: dict[str, Charge] = {}  # by idempotency key

    async def charge(self, amount_cents: int, card: str, idempotency_key: str) -> Charge:
        # async like the HTTP call it stands in for; the answer is immediate here.
        if (earlier := self.charges.get(idempotency_key)) is not None:
            return earlier
        if card == DECLINED_CARD:
            raise CardDeclined("The card was declined.")
        charge = Charge(id=f"ch_{len(self.charges) + 1:04d}", amount_cents=amount_cents)
        self.charges[idempotency_key] = charge
        return charge

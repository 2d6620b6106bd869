"""What can go wrong with orders."""

from ..errors import Conflict, NotFound, RuleViolation


class OrderNotFound(NotFound):
    code = "order_not_found"
    title = "Order not found"

    def __init__(self, order_id: int) -> None:
        super().__init__(f"There is no order {order_id}.", order_id=order_id)


class QuantityTooLarge(RuleViolation):
    code = "quantity_too_large"
    title = "Quantity above the limit"

    def __init__(self, requested: int, limit: int) -> None:
        super().__init__(
            f"At most {limit} of an item per order; {requested} requested.",
            requested=requested,
            limit=limit,
        )


class OrderAlreadyCancelled(Conflict):
    code = "order_already_cancelled"
    title = "Order already cancelled"

    def __init__(self, order_id: int) -> None:
        super().__init__(f"Order {order_id} is already cancelled.", order_id=order_id)

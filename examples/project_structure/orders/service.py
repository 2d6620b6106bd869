"""Placing orders: the orders domain's rules, calling the items domain's service."""

from ..items.service import ItemService
from .config import OrdersSettings
from .exceptions import OrderAlreadyCancelled, OrderNotFound, QuantityTooLarge
from .schemas import Order, OrderIn


class OrderStore:
    """The orders domain's data; created per app in the lifespan."""

    def __init__(self) -> None:
        self.rows: dict[int, Order] = {}


class OrderService:
    def __init__(self, store: OrderStore, items: ItemService, settings: OrdersSettings) -> None:
        self.store = store
        self.items = items
        self.settings = settings

    def place(self, new: OrderIn) -> Order:
        if new.quantity > self.settings.max_quantity:
            raise QuantityTooLarge(new.quantity, limit=self.settings.max_quantity)
        # Raises ItemNotFound or OutOfStock: the items domain's errors, passed on unchanged.
        item = self.items.reserve(new.item_id, new.quantity)
        order = Order(
            id=len(self.store.rows) + 1,
            item_id=new.item_id,
            quantity=new.quantity,
            total_cents=item.price_cents * new.quantity,
            status="placed",
        )
        self.store.rows[order.id] = order
        return order

    def get(self, order_id: int) -> Order:
        order = self.store.rows.get(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        return order

    def cancel(self, order_id: int) -> Order:
        order = self.get(order_id)
        if order.status == "cancelled":
            raise OrderAlreadyCancelled(order_id)
        self.items.release(order.item_id, order.quantity)
        order.status = "cancelled"
        return order

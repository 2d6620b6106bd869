"""The catalogue's rules, in plain Python: no FastAPI, no HTTP, so any caller can use them."""

from dataclasses import dataclass

from .config import ItemsSettings
from .exceptions import ItemNotFound, OutOfStock
from .schemas import Item, ItemIn


@dataclass
class StoredItem:
    id: int
    name: str
    price_cents: int
    stock: int


class ItemStore:
    """The items domain's data; created per app in the lifespan."""

    def __init__(self) -> None:
        self.rows: dict[int, StoredItem] = {}

    @classmethod
    def seeded(cls) -> "ItemStore":
        store = cls()
        for name, price, stock in (("Kettle", 4900, 5), ("Teapot", 3250, 2), ("Mug", 990, 40)):
            item_id = len(store.rows) + 1
            store.rows[item_id] = StoredItem(item_id, name, price, stock)
        return store


class ItemService:
    def __init__(self, store: ItemStore, settings: ItemsSettings) -> None:
        self.store = store
        self.settings = settings

    def _out(self, row: StoredItem) -> Item:
        return Item(
            id=row.id,
            name=row.name,
            price_cents=row.price_cents,
            stock=row.stock,
            low_stock=row.stock < self.settings.low_stock_below,
        )

    def list(self) -> list[Item]:
        return [self._out(row) for row in self.store.rows.values()]

    def get(self, item_id: int) -> Item:
        row = self.store.rows.get(item_id)
        if row is None:
            raise ItemNotFound(item_id)
        return self._out(row)

    def create(self, new: ItemIn) -> Item:
        row = StoredItem(len(self.store.rows) + 1, new.name, new.price_cents, new.stock)
        self.store.rows[row.id] = row
        return self._out(row)

    def reserve(self, item_id: int, quantity: int) -> Item:
        """Take ``quantity`` out of stock, all or nothing."""
        row = self.store.rows.get(item_id)
        if row is None:
            raise ItemNotFound(item_id)
        # No await between the check and the update: no other request can interleave.
        if row.stock < quantity:
            raise OutOfStock(item_id, requested=quantity, in_stock=row.stock)
        row.stock -= quantity
        return self._out(row)

    def release(self, item_id: int, quantity: int) -> None:
        row = self.store.rows.get(item_id)
        if row is None:
            raise ItemNotFound(item_id)
        row.stock += quantity

"""What can go wrong with items, in the catalogue's own words."""

from ..errors import Conflict, NotFound


class ItemNotFound(NotFound):
    code = "item_not_found"
    title = "Item not found"

    def __init__(self, item_id: int) -> None:
        super().__init__(f"There is no item {item_id}.", item_id=item_id)


class OutOfStock(Conflict):
    code = "out_of_stock"
    title = "Not enough in stock"

    def __init__(self, item_id: int, requested: int, in_stock: int) -> None:
        super().__init__(
            f"Item {item_id} has {in_stock} in stock; {requested} requested.",
            item_id=item_id,
            requested=requested,
            in_stock=in_stock,
        )

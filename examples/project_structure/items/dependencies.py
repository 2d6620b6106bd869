"""How the items domain's objects reach a handler: the seams tests override."""

from typing import Annotated

from fastapi import Depends, Path, Request

from .config import ItemsSettings, items_settings
from .schemas import Item
from .service import ItemService


async def get_items_settings() -> ItemsSettings:
    return items_settings()


async def get_item_service(
    request: Request, settings: Annotated[ItemsSettings, Depends(get_items_settings)]
) -> ItemService:
    return ItemService(request.state.item_store, settings)


ItemServiceDep = Annotated[ItemService, Depends(get_item_service)]


async def existing_item(item_id: Annotated[int, Path(ge=1)], service: ItemServiceDep) -> Item:
    """The item named in the path, or ItemNotFound: every route that takes an id reuses it."""
    return service.get(item_id)

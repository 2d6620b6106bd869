"""The items feature: everything under ``/items``, for identified clients only."""

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from ..dependencies import StoreDep, require_client_id
from ..schemas import Item, ItemIn


def build_router(version: str) -> APIRouter:
    """A fresh router for one API version: its own route objects and route names."""
    router = APIRouter(
        prefix="/items",
        tags=["items"],
        dependencies=[Depends(require_client_id)],
        responses={404: {"description": "Item not found"}},
    )

    @router.get("", name=f"{version}:list_items")
    async def list_items(store: StoreDep) -> list[Item]:
        return list(store.items.values())

    @router.get("/{item_id}", name=f"{version}:read_item")
    async def read_item(item_id: int, store: StoreDep) -> Item:
        item = store.items.get(item_id)
        if item is None:
            raise HTTPException(status_code=404, detail=f"Item {item_id} not found")
        return item

    @router.post("", status_code=status.HTTP_201_CREATED, name=f"{version}:create_item")
    async def create_item(
        payload: ItemIn, store: StoreDep, request: Request, response: Response
    ) -> Item:
        if payload.owner_id not in store.users:
            raise HTTPException(status_code=404, detail=f"User {payload.owner_id} not found")
        item = Item(id=max(store.items, default=0) + 1, **payload.model_dump())
        store.items[item.id] = item
        # This version's own route name, so a /v2 request links to /v2.
        location = request.url_for(f"{version}:read_item", item_id=item.id)
        response.headers["Location"] = str(location)
        return item

    return router

"""The items feature: everything under ``/items``, for identified clients only."""

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from ..dependencies import StoreDep, require_client_id
from ..schemas import Item, ItemIn

router = APIRouter(
    prefix="/items",
    tags=["items"],
    dependencies=[Depends(require_client_id)],
    responses={404: {"description": "Item not found"}},
)


@router.get("")
async def list_items(store: StoreDep) -> list[Item]:
    return list(store.items.values())


@router.get("/{item_id}")
async def read_item(item_id: int, store: StoreDep) -> Item:
    item = store.items.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail=f"Item {item_id} not found")
    return item


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_item(
    payload: ItemIn, store: StoreDep, request: Request, response: Response
) -> Item:
    if payload.owner_id not in store.users:
        raise HTTPException(status_code=404, detail=f"User {payload.owner_id} not found")
    item = Item(id=max(store.items, default=0) + 1, **payload.model_dump())
    store.items[item.id] = item
    response.headers["Location"] = str(request.url_for("read_item", item_id=item.id))
    return item

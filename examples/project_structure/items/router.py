"""The items domain's HTTP surface: thin handlers that call the service."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from .dependencies import ItemServiceDep, existing_item
from .schemas import Item, ItemIn

router = APIRouter(prefix="/items", tags=["items"])


@router.get("")
async def list_items(service: ItemServiceDep) -> list[Item]:
    return service.list()


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_item(new: ItemIn, service: ItemServiceDep) -> Item:
    return service.create(new)


@router.get("/{item_id}")
async def read_item(item: Annotated[Item, Depends(existing_item)]) -> Item:
    return item

"""Pydantic models shared by the routers."""

from pydantic import BaseModel, Field


class User(BaseModel):
    id: int
    username: str
    full_name: str


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    owner_id: int = Field(ge=1)


class Item(BaseModel):
    id: int
    name: str
    owner_id: int

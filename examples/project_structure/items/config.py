"""The items domain's own settings: ITEMS_* variables."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ItemsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ITEMS_")

    low_stock_below: int = Field(default=3, ge=0)  # flag items with fewer in stock


@lru_cache
def items_settings() -> ItemsSettings:
    return ItemsSettings()

"""The orders domain's own settings: ORDERS_* variables."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OrdersSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_")

    max_quantity: int = Field(default=10, ge=1)  # per order line


@lru_cache
def orders_settings() -> OrdersSettings:
    return OrdersSettings()

"""Settings that belong to the whole app; each domain keeps its own in its config.py."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_")

    app_name: str = "Shop"
    problem_base: str = "https://shop.example/problems/"  # where problem types are described


@lru_cache
def app_settings() -> AppSettings:
    return AppSettings()

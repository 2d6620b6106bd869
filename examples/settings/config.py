"""The app's configuration: one typed object, read and validated once."""

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

HERE = Path(__file__).parent
MIN_KEY_LENGTH = 16


class Settings(BaseSettings):
    """Every value the app takes from outside, with its type, default and limits."""

    model_config = SettingsConfigDict(
        env_prefix="SHOP_",  # SHOP_DEBUG, never a DEBUG that the shell happens to export
        env_file=HERE / ".env",  # beside this file, not wherever the server was started
        secrets_dir=HERE / "secrets",  # one file per secret; /run/secrets in a container
        hide_input_in_errors=True,  # a rejected value (a key!) is never printed
        frozen=True,
    )

    app_name: str = "Shop API"
    environment: Literal["development", "staging", "production"] = "development"
    debug: bool = False
    page_size: int = Field(default=20, ge=1, le=100)
    allowed_origins: list[str] = []  # JSON in the environment: ["https://shop.example"]
    reports_api_key: SecretStr  # no default: without it the app does not start

    @field_validator("reports_api_key")
    @classmethod
    def long_enough(cls, key: SecretStr) -> SecretStr:
        if len(key.get_secret_value()) < MIN_KEY_LENGTH:
            raise ValueError(f"must be at least {MIN_KEY_LENGTH} characters")
        return key

    @model_validator(mode="after")
    def no_debug_in_production(self) -> Self:
        if self.environment == "production" and self.debug:
            raise ValueError("debug must be off in production")
        return self


@lru_cache
def get_settings() -> Settings:
    """Read the environment, the .env file and the secrets once; then the same object."""
    return Settings()


async def current_settings() -> Settings:
    """The dependency. `async def`: it only reads the cache, and FastAPI would run a plain
    `def` dependency in its threadpool, a thread hop on every request."""
    return get_settings()

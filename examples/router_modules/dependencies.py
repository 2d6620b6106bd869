"""Dependencies that several routers share."""

from typing import Annotated

from fastapi import Depends, Header, Request

from .store import Store


def get_store(request: Request) -> Store:
    return request.app.state.store


StoreDep = Annotated[Store, Depends(get_store)]


async def require_client_id(
    x_client_id: Annotated[str, Header(min_length=3, max_length=40, pattern=r"^[a-z0-9-]+$")],
) -> str:
    """Every call to a router that declares this must say which client it comes from."""
    return x_client_id

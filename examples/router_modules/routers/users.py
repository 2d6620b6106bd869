"""The users feature: everything under ``/users``, one router per API version."""

from fastapi import APIRouter, HTTPException

from ..dependencies import StoreDep
from ..schemas import User


def build_router(version: str) -> APIRouter:
    """A fresh router for one API version: its own route objects and route names."""
    router = APIRouter(
        prefix="/users",
        tags=["users"],
        responses={404: {"description": "User not found"}},
    )

    @router.get("", name=f"{version}:list_users")
    async def list_users(store: StoreDep) -> list[User]:
        return list(store.users.values())

    @router.get("/{user_id}", name=f"{version}:read_user")
    async def read_user(user_id: int, store: StoreDep) -> User:
        user = store.users.get(user_id)
        if user is None:
            raise HTTPException(status_code=404, detail=f"User {user_id} not found")
        return user

    return router

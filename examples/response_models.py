"""Response models: separate input, output and stored models, so secrets never leak."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Path, Request, status
from pwdlib import PasswordHash
from pydantic import BaseModel, Field

SEED_USERS = (
    ("ada", "ada@example.com", "Ada Lovelace", "analytical-engine"),
    ("alan", "alan@example.com", None, "enigma-1941"),
)


# --- one family of models, one per direction ---
class UserBase(BaseModel):
    username: str = Field(min_length=3, max_length=30, pattern=r"^[a-z0-9_]+$")
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    full_name: str | None = Field(default=None, max_length=80)


class UserCreate(UserBase):
    """What a client sends: includes the plain password, never stored."""

    password: str = Field(min_length=8, max_length=128)


class UserPublic(UserBase):
    """What a client receives."""

    id: int


class UserInDB(UserPublic):
    """What the app stores: the public fields plus secrets."""

    hashed_password: str


class Preferences(BaseModel):
    theme: Literal["light", "dark"] = "light"
    language: str = "en"
    newsletter: bool = False


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    hasher = PasswordHash.recommended()
    app.state.hasher = hasher
    app.state.users = {
        number: UserInDB(
            id=number,
            username=username,
            email=email,
            full_name=full_name,
            hashed_password=hasher.hash(password),
        )
        for number, (username, email, full_name, password) in enumerate(SEED_USERS, start=1)
    }
    # Only what each user changed is stored; the rest are the model's defaults.
    app.state.preferences = {1: Preferences(theme="dark")}
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Response models", lifespan=lifespan)

    def find(request: Request, user_id: int) -> UserInDB:
        user = request.app.state.users.get(user_id)
        if user is None:
            raise HTTPException(status_code=404, detail=f"User {user_id} not found")
        return user

    @app.post("/users", status_code=status.HTTP_201_CREATED)
    def create_user(request: Request, payload: UserCreate) -> UserPublic:
        users: dict[int, UserInDB] = request.app.state.users
        if any(u.username == payload.username for u in users.values()):
            raise HTTPException(status_code=409, detail="Username already taken")
        user = UserInDB(
            id=max(users, default=0) + 1,
            **payload.model_dump(exclude={"password"}),
            hashed_password=request.app.state.hasher.hash(payload.password),
        )
        users[user.id] = user
        return user  # a UserInDB, filtered down to UserPublic on the way out

    @app.get("/users")
    async def list_users(request: Request) -> list[UserPublic]:
        return list(request.app.state.users.values())

    @app.get("/users/{user_id}")
    async def read_user(request: Request, user_id: Annotated[int, Path(ge=1)]) -> UserPublic:
        return find(request, user_id)

    @app.get(
        "/users/{user_id}/preferences",
        response_model_exclude_unset=True,
    )
    async def read_preferences(
        request: Request, user_id: Annotated[int, Path(ge=1)]
    ) -> Preferences:
        find(request, user_id)
        return request.app.state.preferences.get(user_id, Preferences())

    return app

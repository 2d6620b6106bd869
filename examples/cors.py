"""CORS: let named browser origins call the API, with credentials, and no one else."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response, status
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel, Field

# The browser origins (scheme + host + port, no path) whose pages may call this API.
ALLOWED_ORIGINS = ["https://app.example.com", "https://admin.example.com"]

SEED_ITEMS = [
    {"id": 1, "name": "Notebook"},
    {"id": 2, "name": "Fountain pen"},
]


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)


class Item(ItemIn):
    id: int


def add_cors(app: FastAPI) -> None:
    """Answer preflights and label responses for the allowed origins only."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=ALLOWED_ORIGINS,  # an explicit list, never "*" with credentials
        allow_credentials=True,  # cookies and Authorization headers may be sent
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Total-Count"],  # response headers page scripts may read
        max_age=600,  # seconds a browser may cache a preflight answer
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.items = [Item(**item) for item in SEED_ITEMS]
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="CORS", lifespan=lifespan)
    add_cors(app)

    @app.get("/items")
    async def list_items(request: Request, response: Response) -> list[Item]:
        items = request.app.state.items
        response.headers["X-Total-Count"] = str(len(items))
        return items

    @app.post("/items", status_code=status.HTTP_201_CREATED)
    async def create_item(request: Request, body: ItemIn) -> Item:
        items = request.app.state.items
        item = Item(id=len(items) + 1, name=body.name)
        items.append(item)
        return item

    return app

"""Request and response examples in the OpenAPI schema, for readers and for Swagger UI."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(pattern=r"^[A-Z]{3}-\d{4}$", examples=["KEY-0001"])
    name: str = Field(min_length=2, max_length=80, examples=["Mechanical keyboard"])
    price: Decimal = Field(gt=0, max_digits=8, decimal_places=2, examples=["89.90"])
    stock: int = Field(0, ge=0, examples=[25])


class Product(ProductIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "sku": "KEY-0001",
                    "name": "Mechanical keyboard",
                    "price": "89.90",
                    "stock": 25,
                }
            ]
        }
    )

    id: int


class Message(BaseModel):
    detail: str


# Named examples for the request body: Swagger UI shows them in a drop-down.
CREATE_EXAMPLES: dict[str, Any] = {
    "normal": {
        "summary": "A typical product",
        "description": "All fields, in the types the schema asks for.",
        "value": {"sku": "KEY-0001", "name": "Mechanical keyboard", "price": "89.90", "stock": 25},
    },
    "converted": {
        "summary": "Numbers as strings",
        "description": "`price` and `stock` arrive as strings and are converted.",
        "value": {"sku": "MSE-0002", "name": "Wireless mouse", "price": "24.5", "stock": "40"},
    },
    "invalid": {
        "summary": "Rejected with 422",
        "description": "A malformed SKU and a negative price fail validation.",
        "value": {"sku": "keyboard", "name": "Broken", "price": "-1"},
    },
}

CONFLICT = {
    "model": Message,
    "description": "A product with this SKU exists",
    "content": {"application/json": {"example": {"detail": "SKU KEY-0001 exists."}}},
}
NOT_FOUND = {
    "model": Message,
    "description": "No such product",
    "content": {"application/json": {"example": {"detail": "Product 42 not found."}}},
}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.products = {}  # id -> Product
    yield
    app.state.products.clear()


def create_app() -> FastAPI:
    app = FastAPI(title="OpenAPI examples", lifespan=lifespan)

    @app.post("/products", status_code=status.HTTP_201_CREATED, responses={409: CONFLICT})
    async def create_product(
        product: Annotated[ProductIn, Body(openapi_examples=CREATE_EXAMPLES)],
        request: Request,
    ) -> Product:
        products: dict[int, Product] = request.app.state.products
        if any(p.sku == product.sku for p in products.values()):
            raise HTTPException(status.HTTP_409_CONFLICT, f"SKU {product.sku} exists.")
        created = Product(id=len(products) + 1, **product.model_dump())
        products[created.id] = created
        return created

    @app.get("/products/{product_id}", responses={404: NOT_FOUND})
    async def get_product(product_id: int, request: Request) -> Product:
        product = request.app.state.products.get(product_id)
        if product is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Product {product_id} not found.")
        return product

    return app

"""Status codes that tell the client what happened: 201 + Location, 204, 404, 409, 412, 415."""

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

SEED = [
    {"slug": "hello-world", "title": "Hello, world", "body": "The first article."},
]


SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=SLUG_PATTERN, max_length=60)
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(max_length=10_000)


class ArticleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=120)
    body: str = Field(max_length=10_000)


class Article(ArticleIn):
    version: int


class Message(BaseModel):
    detail: str


def etag_of(article: Article) -> str:
    """A strong validator that changes whenever the stored version changes."""
    digest = hashlib.sha256(f"{article.slug}:{article.version}".encode()).hexdigest()
    return f'"{digest[:16]}"'


def require_json(content_type: Annotated[str | None, Header()] = None) -> None:
    """415 for a body that is not JSON, instead of FastAPI's default 422."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json."
        )


def get_store(request: Request) -> dict[str, Article]:
    return request.app.state.articles


Store = Annotated[dict[str, Article], Depends(get_store)]


def find_article(slug: str, articles: Store) -> Article:
    article = articles.get(slug)
    if article is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No article {slug!r}.")
    return article


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.articles = {a["slug"]: Article(**a, version=1) for a in SEED}
    yield
    app.state.articles.clear()


def create_app() -> FastAPI:
    app = FastAPI(title="Status codes", lifespan=lifespan)

    @app.post(
        "/articles",
        status_code=status.HTTP_201_CREATED,
        dependencies=[Depends(require_json)],
        responses={
            409: {"model": Message, "description": "The slug is taken"},
            415: {"model": Message, "description": "The body is not JSON"},
        },
    )
    async def create_article(
        payload: ArticleIn, articles: Store, request: Request, response: Response
    ) -> Article:
        if payload.slug in articles:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"An article with slug {payload.slug!r} exists."
            )
        article = Article(**payload.model_dump(), version=1)
        articles[article.slug] = article
        response.headers["Location"] = str(request.url_for("get_article", slug=article.slug))
        response.headers["ETag"] = etag_of(article)
        return article

    @app.get("/articles/{slug}", responses={404: {"model": Message}})
    async def get_article(
        article: Annotated[Article, Depends(find_article)], response: Response
    ) -> Article:
        response.headers["ETag"] = etag_of(article)
        return article

    @app.put(
        "/articles/{slug}",
        dependencies=[Depends(require_json)],
        responses={
            201: {"model": Article, "description": "Created at this URL"},
            412: {"model": Message, "description": "If-Match does not match"},
        },
    )
    async def put_article(
        slug: Annotated[str, Path(pattern=SLUG_PATTERN, max_length=60)],
        payload: ArticleUpdate,
        articles: Store,
        request: Request,
        response: Response,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Article:
        current = articles.get(slug)
        if if_match is not None and (current is None or if_match != etag_of(current)):
            raise HTTPException(
                status.HTTP_412_PRECONDITION_FAILED,
                "The article changed since you read it; GET it again.",
            )
        if current is None:  # PUT to a new URL creates the resource: 201, not 200
            article = Article(slug=slug, **payload.model_dump(), version=1)
            response.status_code = status.HTTP_201_CREATED
            response.headers["Location"] = str(request.url_for("get_article", slug=slug))
        else:
            article = Article(slug=slug, **payload.model_dump(), version=current.version + 1)
        articles[slug] = article
        response.headers["ETag"] = etag_of(article)
        return article

    @app.delete(
        "/articles/{slug}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses={404: {"model": Message}},
    )
    async def delete_article(
        article: Annotated[Article, Depends(find_article)], articles: Store
    ) -> None:
        del articles[article.slug]

    return app

"""Offset and cursor (keyset) pagination over a SQLite table, with next links."""

import base64
import binascii
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Date, String, create_engine, func, select, tuple_
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool

FIRST_DAY = dt.date(2026, 1, 1)
ARTICLE_COUNT = 50
MAX_LIMIT = 50


class Base(DeclarativeBase):
    pass


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    published: Mapped[dt.date] = mapped_column(Date, index=True)


class Article(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    published: dt.date


class OffsetPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[Article]
    next: str | None


class CursorPage(BaseModel):
    items: list[Article]
    next_cursor: str | None
    next: str | None


class Cursor(BaseModel):
    """The sort key of the last item on a page: (published, id)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    published: dt.date
    id: int = Field(ge=1, le=2**63 - 1)  # a SQLite integer: larger is a tampered cursor


def encode_cursor(article: Article) -> str:
    raw = Cursor(published=article.published, id=article.id).model_dump_json()
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor:
    """Parse a cursor from the query string; anything else is a client error."""
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
        return Cursor.model_validate_json(raw)
    except (binascii.Error, ValidationError, ValueError):  # ValueError: not ASCII
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Invalid cursor.") from None


def seed(session: Session) -> None:
    """50 articles, three per day, so that dates tie and the id must break the tie."""
    session.add_all(
        ArticleRow(
            id=number,
            title=f"Article {number}",
            published=FIRST_DAY + dt.timedelta(days=(number - 1) // 3),
        )
        for number in range(1, ARTICLE_COUNT + 1)
    )
    session.commit()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session)
    app.state.engine = engine
    try:
        yield
    finally:
        engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
ORDER = (ArticleRow.published, ArticleRow.id)  # the tie-breaker makes the order total


def create_app() -> FastAPI:
    app = FastAPI(title="Pagination", lifespan=lifespan)

    @app.get("/articles")
    def list_articles(
        request: Request,
        session: SessionDep,
        limit: Limit = 10,
        offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    ) -> OffsetPage:
        total = session.scalar(select(func.count()).select_from(ArticleRow)) or 0
        rows = session.scalars(select(ArticleRow).order_by(*ORDER).limit(limit).offset(offset))
        next_url = None
        if offset + limit < total:
            url = request.url_for("list_articles")
            next_url = str(url.include_query_params(limit=limit, offset=offset + limit))
        return OffsetPage(
            total=total,
            limit=limit,
            offset=offset,
            items=[Article.model_validate(row) for row in rows],
            next=next_url,
        )

    @app.get("/feed")
    def feed(
        request: Request,
        response: Response,
        session: SessionDep,
        limit: Limit = 10,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> CursorPage:
        query = select(ArticleRow).order_by(*ORDER).limit(limit + 1)
        if cursor is not None:
            after = decode_cursor(cursor)
            query = query.where(tuple_(*ORDER) > tuple_(after.published, after.id))
        rows = list(session.scalars(query))
        items = [Article.model_validate(row) for row in rows[:limit]]
        next_cursor = next_url = None
        if len(rows) > limit:  # one extra row fetched: there is a next page
            next_cursor = encode_cursor(items[-1])
            url = request.url_for("feed").include_query_params(limit=limit, cursor=next_cursor)
            next_url = str(url)
            response.headers["Link"] = f'<{next_url}>; rel="next"'
        return CursorPage(items=items, next_cursor=next_cursor, next=next_url)

    return app

"""Settings: typed configuration from the environment, a .env file and secret files."""

import secrets
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from .config import Settings, current_settings, get_settings

SettingsDep = Annotated[Settings, Depends(current_settings)]
router = APIRouter()


class About(BaseModel):
    """What the app may say about its configuration: nothing secret."""

    app_name: str
    environment: str
    page_size: int
    allowed_origins: list[str]


class Report(BaseModel):
    day: str
    orders: int
    revenue_cents: int


@router.get("/about")
async def about(settings: SettingsDep) -> About:
    return About.model_validate(settings, from_attributes=True)


@router.get("/reports/daily")
async def daily_report(
    settings: SettingsDep, x_api_key: Annotated[str | None, Header()] = None
) -> Report:
    expected = settings.reports_api_key.get_secret_value().encode()
    # compare_digest takes as long for a near miss as for a wild guess.
    if x_api_key is None or not secrets.compare_digest(x_api_key.encode(), expected):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid X-API-Key header is required")
    return Report(day="2026-11-29", orders=42, revenue_cents=318_900)


async def problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Errors as RFC 9457 problem details, the catalogue's one error shape."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(exc.status_code).phrase,
        "status": exc.status_code,
        "detail": exc.detail,
    }
    return JSONResponse(
        body, exc.status_code, headers=exc.headers, media_type="application/problem+json"
    )


def create_app() -> FastAPI:
    # Read and validated here, before the server accepts a request: a wrong value stops
    # the start with a message that names the setting, instead of failing a request later.
    settings = get_settings()
    app = FastAPI(title=settings.app_name, debug=settings.debug)
    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET"]
        )
    app.add_exception_handler(StarletteHTTPException, problem)
    app.include_router(router)
    return app

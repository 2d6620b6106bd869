"""Health checks: liveness, readiness with timed dependency checks, starting and draining."""

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Literal, TypedDict

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEALTH_", env_file=HERE / ".env", hide_input_in_errors=True
    )

    check_timeout: float = Field(default=0.5, gt=0)  # per dependency, per probe
    warmup_seconds: float = Field(default=0, ge=0)  # stands in for loading caches and the like
    admin_token: SecretStr  # for POST /admin/drain
    # The simulated database's address, password and all: it must never reach a response.
    database_url: SecretStr = SecretStr("postgresql://shop:s3cret-pw@db.internal:5432/shop")


Mode = Literal["up", "down", "slow"]
Phase = Literal["starting", "ready", "draining"]


class SimulatedDependency:
    """A stand-in for a database or a cache that a request can take down or slow down."""

    def __init__(self, failure: str) -> None:
        self.mode: Mode = "up"
        self.failure = failure  # what the real driver's exception would say

    async def ping(self) -> None:
        if self.mode == "down":
            raise ConnectionRefusedError(self.failure)
        if self.mode == "slow":
            await asyncio.sleep(60)  # a server that accepted the connection and went quiet


class Lifecycle:
    def __init__(self) -> None:
        self.phase: Phase = "starting"


class Dependency(StrEnum):
    database = "database"
    cache = "cache"


# A failed critical dependency makes the instance unready; a failed optional one is a warning.
CRITICAL = {Dependency.database: True, Dependency.cache: False}


class State(TypedDict):
    settings: Settings
    lifecycle: Lifecycle
    dependencies: dict[Dependency, SimulatedDependency]


class CheckResult(BaseModel):
    status: Literal["pass", "fail"]
    critical: bool
    duration_ms: int
    error: str | None = None


class Readiness(BaseModel):
    status: Literal["pass", "warn", "fail"]
    phase: Phase
    checks: dict[str, CheckResult] = {}


async def run_check(name: str, dependency: SimulatedDependency, timeout: float) -> CheckResult:
    """One dependency's check: bounded in time, and never more detail than "unavailable"."""
    started = time.perf_counter()
    error = None
    try:
        async with asyncio.timeout(timeout):
            await dependency.ping()
    except TimeoutError:
        error = f"no answer within {timeout:g} s"
    except Exception:  # a check reports every failure; it must never fail itself
        # The driver's message may name hosts, users or a password: it goes to the log only.
        logger.warning("readiness check %r failed", name, exc_info=True)
        error = "unavailable"
    return CheckResult(
        status="pass" if error is None else "fail",
        critical=CRITICAL[Dependency(name)],
        duration_ms=round((time.perf_counter() - started) * 1000),
        error=error,
    )


async def warm_up(lifecycle: Lifecycle, database: SimulatedDependency, settings: Settings) -> None:
    """Ready once the database answers and the warm-up work is done; until then, starting."""
    while (await run_check("database", database, settings.check_timeout)).status != "pass":
        await asyncio.sleep(0.5)
    if settings.warmup_seconds:
        await asyncio.sleep(settings.warmup_seconds)
    lifecycle.phase = "ready"


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[State]:
    """The lifespan: dependencies opened, warm-up started; draining from shutdown on."""
    lifecycle = Lifecycle()
    database = SimulatedDependency(
        f"could not connect to {settings.database_url.get_secret_value()}"
    )
    cache = SimulatedDependency("cache.internal:6379: connection refused")
    # In the background: the process answers /livez at once, /readyz once it is ready.
    warming = asyncio.create_task(warm_up(lifecycle, database, settings))
    try:
        yield {
            "settings": settings,
            "lifecycle": lifecycle,
            "dependencies": {Dependency.database: database, Dependency.cache: cache},
        }
    finally:
        lifecycle.phase = "draining"
        warming.cancel()
        await asyncio.wait({warming})
        # Here a real app closes its pools, after the server has sent its last response.


router = APIRouter()
bearer = HTTPBearer(auto_error=False)
NO_STORE = {"Cache-Control": "no-store"}  # a probe must never get a cached answer


@router.get("/livez")
async def livez(response: Response) -> dict[str, str]:
    """Alive: the event loop runs and answers. No dependency is consulted."""
    response.headers.update(NO_STORE)
    return {"status": "pass"}


@router.get("/readyz")
async def readyz(request: Request, response: Response) -> Readiness:
    """Ready for traffic: started, not draining, and every critical dependency answers."""
    state = request.state
    response.headers.update(NO_STORE)
    phase = state.lifecycle.phase
    if phase != "ready":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Readiness(status="fail", phase=phase)
    names = list(state.dependencies)
    # Concurrently: the probe takes as long as the slowest check, not the sum of them.
    results = await asyncio.gather(
        *(run_check(n, state.dependencies[n], state.settings.check_timeout) for n in names)
    )
    checks = dict(zip(names, results, strict=True))
    if any(r.status == "fail" and r.critical for r in results):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        overall: Literal["pass", "warn", "fail"] = "fail"
    else:
        overall = "warn" if any(r.status == "fail" for r in results) else "pass"
    return Readiness(status=overall, phase=phase, checks=checks)


async def require_admin(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    expected = request.state.settings.admin_token.get_secret_value().encode()
    given = credentials.credentials.encode() if credentials else b""
    if not secrets.compare_digest(given, expected):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "admin token required", {"WWW-Authenticate": "Bearer"}
        )


@router.post(
    "/admin/drain",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(require_admin)],
)
async def drain(request: Request) -> Readiness:
    """Stop being ready but keep serving: what a preStop hook calls before SIGTERM."""
    request.state.lifecycle.phase = "draining"
    return Readiness(status="fail", phase="draining")


class Simulation(BaseModel):
    mode: Mode


@router.put("/simulate/{name}")
async def simulate(name: Dependency, change: Simulation, request: Request) -> dict[str, Mode]:
    """Demo only: take a simulated dependency down, slow it down, or bring it back."""
    request.state.dependencies[name].mode = change.mode
    return {name.value: change.mode}


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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="Health checks", lifespan=lambda app: running(settings))
    app.add_exception_handler(StarletteHTTPException, problem)
    app.include_router(router)
    return app

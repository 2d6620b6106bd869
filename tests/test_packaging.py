"""pyproject.toml against what the code needs.

An install of the runtime dependencies alone must run every example: no requirement may be
met only because a dev tool happens to bring it in.
"""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from kb.settings import PROJECT_DIR

PROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text("utf-8"))["project"]
RUNTIME = {canonicalize_name(r.name): r for r in map(Requirement, PROJECT["dependencies"])}


def test_the_async_examples_get_greenlet_from_the_runtime_dependencies() -> None:
    # SQLAlchemy's asyncio extension imports greenlet, which SQLAlchemy 2.1 installs only with
    # its [asyncio] extra. The dev extra brings greenlet in through Playwright, so without the
    # extra the suite passes and an install of the runtime dependencies fails to import.
    uses_asyncio = [
        path.name
        for path in (PROJECT_DIR / "examples").rglob("*.py")
        if "sqlalchemy.ext.asyncio" in path.read_text("utf-8")
    ]
    assert uses_asyncio, "no example uses SQLAlchemy's asyncio extension any more"
    assert "asyncio" in RUNTIME["sqlalchemy"].extras, (
        f"{', '.join(sorted(uses_asyncio))} import sqlalchemy.ext.asyncio: "
        "require sqlalchemy[asyncio]"
    )

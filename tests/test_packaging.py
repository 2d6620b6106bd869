"""pyproject.toml against what the code and the entries need.

`make check-lowest` proves the floors by installing them; these tests catch, on every
`make test`, the two ways the declared requirements went wrong before: an extra that only a
dev tool made up for, and an entry naming a version newer than the floor it runs on.
"""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from kb.settings import PROJECT_DIR

PROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text("utf-8"))["project"]
RUNTIME = {canonicalize_name(r.name): r for r in map(Requirement, PROJECT["dependencies"])}

# "added in FastAPI 0.121": how an entry marks a feature that its example needs, as FastAPI's
# own documentation does. ("Since SQLAlchemy 2.1, ..." tells of a change in a newer release,
# which the code must survive, not need.)
VERSION_CLAIM = re.compile(
    r"\badded\s+in\s+(FastAPI|Starlette|Pydantic|SQLAlchemy|prometheus-client)\s+(\d+(?:\.\d+)+)"
)


def floor(name: str) -> Version:
    requirement = RUNTIME[canonicalize_name(name)]
    (lowest,) = [spec.version for spec in requirement.specifier if spec.operator == ">="]
    return Version(lowest)


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


def test_every_release_an_entry_names_is_within_the_floors() -> None:
    claims = []
    too_new = []
    for path in sorted((PROJECT_DIR / "content").glob("*.md")):
        for match in VERSION_CLAIM.finditer(path.read_text("utf-8")):
            project, version = match.group(1), Version(match.group(2))
            claims.append(match.group(0))
            if version > floor(project):
                too_new.append(
                    f"{path.name}: {match.group(0)!r}, but pyproject.toml allows "
                    f"{project} {floor(project)}: raise the floor"
                )
    assert claims, "no entry names the release that added a feature any more"
    assert not too_new, "\n".join(too_new)


def test_the_version_claim_pattern_reads_the_entries_phrasing() -> None:
    found = VERSION_CLAIM.findall(
        "`scope` (added in FastAPI 0.121), `validate_by_name` (added in Pydantic\n2.11); "
        "since SQLAlchemy 2.1, greenlet comes only with the extra"
    )
    assert found == [("FastAPI", "0.121"), ("Pydantic", "2.11")]

"""Tests that take every branch of app.py both ways; the last one measures that it is so."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .app import Zone, create_app, shipping_cents

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("zone", "grams", "express", "cents"),
    [
        (Zone.domestic, 1, False, 590),  # a started kilogram counts as one
        (Zone.domestic, 1000, False, 590),
        (Zone.eu, 1001, False, 1490),
        (Zone.world, 5000, False, 4990),  # at the threshold: no customs fee
        (Zone.world, 5001, False, 7090),  # above it: customs fee
        (Zone.domestic, 1000, True, 1180),  # express doubles the price
    ],
)
def test_shipping_cents(zone: Zone, grams: int, express: bool, cents: int) -> None:
    assert shipping_cents(zone, grams, express) == cents


def test_quote_endpoint() -> None:
    with TestClient(create_app()) as client:
        response = client.get("/shipping", params={"zone": "eu", "weight_grams": 2500})

    assert response.status_code == 200
    assert response.json() == {"zone": "eu", "weight_grams": 2500, "express": False, "cents": 1740}


def test_too_heavy_parcel_is_refused() -> None:
    with TestClient(create_app()) as client:
        response = client.get("/shipping", params={"zone": "eu", "weight_grams": 20_001})

    assert response.status_code == 422
    assert "at most" in response.json()["detail"]


COVERAGE_CONFIG = """\
[run]
branch = true
omit = */test_*.py

[report]
fail_under = 100
show_missing = true
"""


def test_the_suite_covers_every_branch(tmp_path: Path) -> None:
    """Run this module under pytest-cov in a child process and read the report."""
    config = tmp_path / ".coveragerc"
    config.write_text(COVERAGE_CONFIG, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_", "COVERAGE_"))}
    env["COVERAGE_FILE"] = str(tmp_path / ".coverage")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(Path(__file__).resolve()),
            "-k",
            "not test_the_suite_covers_every_branch",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--cov={Path(__file__).resolve().parent}",
            f"--cov-config={config}",
            "--cov-report=term-missing",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # fail_under = 100 makes pytest-cov exit non-zero on any missed line or branch.
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^TOTAL\s.*\s100%$", result.stdout, re.MULTILINE), result.stdout

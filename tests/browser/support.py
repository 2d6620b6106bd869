"""Helpers for the browser tests: axe-core, screenshots, consoles, overflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from kb.settings import PROJECT_DIR

HERE = Path(__file__).parent
AXE = HERE / "vendor" / "axe.min.js"
SCREENSHOTS = PROJECT_DIR / "test-output" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# An entry with a login, a captured token and protected calls; and a plain one.
JWT_ENTRY = "/patterns/jwt-token-validation"
PLAIN_ENTRY = "/patterns/query-parameters"


def axe_violations(page: Page, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now.

    axe is injected from tests/browser/vendor, never served by the KB. The page's context
    needs ``bypass_csp=True``: the KB's Content-Security-Policy forbids inline scripts.
    """
    page.add_script_tag(path=str(AXE))
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    violations = page.evaluate(
        """async (options) => (await axe.run(document, options)).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ") + " — " + n.failureSummary),
        }))""",
        options,
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines += [f"    {node}" for node in v["nodes"][:5]]
    return "\n".join(lines)


def shoot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def send(page: Page, number: int) -> str:
    """Press Send on console ``number`` (from 1); the new status line or error it shows."""
    result = f"#try-{number}-result"
    # What an earlier Send left is marked, so that only the new response counts.
    page.locator(result).evaluate("el => { for (const c of el.children) c.dataset.stale = 1; }")
    page.locator(f"#try-{number} .send").click()
    fresh = page.locator(
        f"{result} > .console-error:not([data-stale]), "
        f"{result} > .response:not([data-stale]) .status-line"
    )
    return fresh.inner_text()


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the viewport (0: it fits)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )

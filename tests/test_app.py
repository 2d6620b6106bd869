import time

from fastapi.testclient import TestClient

from kb.app import EXAMPLES_WAIT, create_app
from kb.knowledge import KnowledgeBase
from kb.settings import Settings


def examples_in(kb: KnowledgeBase) -> int:
    return sum(1 for entry in kb.catalogue.entries.values() if entry.meta.example)


def test_examples_start_after_the_first_page(site_settings: Settings) -> None:
    app = create_app(site_settings)
    kb = app.state.kb
    with TestClient(app) as client:
        time.sleep(0.1)
        assert len(kb.sandboxes) == 0  # nothing imported before a reader asks
        assert client.get("/").status_code == 200
        assert client.get("/healthz").json()["status"] == "ok"
        assert len(kb.sandboxes) == examples_in(kb)


def test_an_idle_server_starts_its_examples_anyway(site_settings: Settings) -> None:
    app = create_app(site_settings)
    kb = app.state.kb
    with TestClient(app):
        deadline = time.monotonic() + EXAMPLES_WAIT + 5
        while not kb.examples_checked.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(kb.sandboxes) == examples_in(kb)


def test_start_up_does_not_import_sqlalchemy() -> None:
    """SQLAlchemy is a sixth of the start-up time: it loads when proposals or an examples
    database are first used, not before the first page."""
    import subprocess
    import sys

    code = "import sys, kb.app; kb.app.create_app(); print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

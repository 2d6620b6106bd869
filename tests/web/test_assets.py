import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.content.highlight import stylesheet
from kb.web import assets
from kb.web.assets import IMMUTABLE, Assets, digest, stylesheet_url


def test_hashed_names_change_with_the_content(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("one")
    (tmp_path / "LICENSE").write_text("text")
    first = Assets(tmp_path).url("a.css")
    assert re.fullmatch(r"/static/a\.[0-9a-f]{10}\.css", first)
    assert Assets(tmp_path).url("LICENSE") == "/static/LICENSE"
    (tmp_path / "a.css").write_text("two")
    assert Assets(tmp_path).url("a.css") != first


def test_pages_link_hashed_assets_served_immutable(site_client: TestClient) -> None:
    page = site_client.get("/").text
    css = re.search(r'href="(/static/site\.[0-9a-f]{10}\.css)"', page)
    js = re.search(r'src="(/static/vendor/htmx\.min\.[0-9a-f]{10}\.js)"', page)
    assert css and js
    response = site_client.get(css.group(1))
    assert response.status_code == 200 and response.headers["cache-control"] == IMMUTABLE
    assert "text/css" in response.headers["content-type"]
    assert site_client.get(js.group(1)).headers["cache-control"] == IMMUTABLE


def test_plain_names_still_work_but_revalidate(site_client: TestClient) -> None:
    response = site_client.get("/static/site.css")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"


def test_a_wrong_hash_is_404(site_client: TestClient) -> None:
    assert site_client.get("/static/site.0000000000.css").status_code == 404


def test_the_highlight_stylesheet_is_versioned(site_client: TestClient) -> None:
    page = site_client.get("/").text
    url = re.search(r'href="(/highlight\.css\?v=[0-9a-f]{10})"', page)
    assert url
    assert site_client.get(url.group(1)).headers["cache-control"] == IMMUTABLE
    assert site_client.get("/highlight.css").headers["cache-control"] == "no-cache"


def test_development_mode_links_plain_names(tmp_path: Path) -> None:
    from kb.settings import PROJECT_DIR
    from kb.web.templating import build_templates

    (tmp_path / "site.css").write_text("body {}")
    assets = Assets(tmp_path)
    production = build_templates(PROJECT_DIR / "templates", assets=assets).env.globals["asset"]
    development = build_templates(PROJECT_DIR / "templates", dev=True, assets=assets).env.globals[
        "asset"
    ]
    assert production("site.css") != "/static/site.css"
    assert development("site.css") == "/static/site.css"


def test_the_stylesheet_url_changes_with_its_content(monkeypatch: pytest.MonkeyPatch) -> None:
    assert stylesheet_url() == f"/highlight.css?v={digest(stylesheet().encode())}"
    stylesheet_url.cache_clear()
    monkeypatch.setattr(assets, "stylesheet", lambda: ".highlight { color: red }")
    try:
        assert stylesheet_url() == f"/highlight.css?v={digest(b'.highlight { color: red }')}"
    finally:
        stylesheet_url.cache_clear()

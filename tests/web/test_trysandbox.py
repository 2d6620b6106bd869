"""The reader's sandbox from the consoles' head: Reset, and the values its consoles captured."""

from fastapi.testclient import TestClient

from tests.web.test_tryit import HTMX, login


def test_captured_values_outlive_the_page_while_the_sandbox_lives(
    site_client: TestClient,
) -> None:
    assert site_client.get("/try/greeting/values").text.count('class="var"') == 0
    login(site_client)
    values = site_client.get("/try/greeting/values")
    assert values.headers["cache-control"] == "no-store"
    assert 'name="var_token" value="t-ann"' in values.text
    assert '<code class="var-value" title="t-ann" data-value="t-ann">t-ann</code>' in values.text
    # A form that lost its values (a page loaded again, without them) is sent with them.
    form = {
        "block": "3",
        "method": "GET",
        "path": "/me",
        "headers": "Authorization: Bearer {{token}}",
    }
    assert "200 OK" in site_client.post("/try/greeting", data=form, headers=HTMX).text
    # Cleared: gone from the page's values and from the sandbox.
    cleared = site_client.post(
        "/try/greeting/values", data={"var_token": "t-ann", "var_x": "1", "clear": "token"}
    )
    assert 'name="var_x" value="1"' in cleared.text and "var_token" not in cleared.text
    assert "var_token" not in site_client.get("/try/greeting/values").text
    assert site_client.post("/try/greeting", data=form, headers=HTMX).status_code == 422
    # Reset: the sandbox goes, and its values with it.
    login(site_client)
    site_client.post("/try/greeting/reset", headers=HTMX)
    assert "var_token" not in site_client.get("/try/greeting/values").text
    assert site_client.get("/try/nope/values").status_code == 404


def test_a_long_token_is_shown_short_and_kept_whole(site_client: TestClient) -> None:
    template = site_client.app.state.templates.get_template("_variables.html")  # type: ignore[attr-defined]
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
    html = template.render(entry={"slug": "demo"}, variables={"token": token})
    assert f'data-value="{token}">eyJhbGciOiJI…</code>' in html
    assert f'name="var_token" value="{token}"' in html


def test_reset_clears_every_consoles_result(site_client: TestClient) -> None:
    reset = site_client.post("/try/greeting/reset", headers=HTMX).text
    for number in range(1, 8):
        assert (
            f'<div id="try-{number}-result" class="console-result" hx-swap-oob="true"></div>'
            in reset
        )
    assert "none yet" in reset  # the captured values, emptied


def test_the_page_has_one_reset_for_its_sandbox(site_client: TestClient) -> None:
    text = site_client.get("/patterns/greeting").text
    assert text.count("Reset sandbox</button>") == 1
    assert text.count('class="restore"') == text.count('<section class="console"')
    assert text.index('class="try-bar"') < text.index('id="try-1"')

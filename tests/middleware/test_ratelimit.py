from fastapi.testclient import TestClient

from kb.app import create_app
from kb.middleware.ratelimit import RateLimiter, Rule
from kb.settings import Settings


def test_search_past_the_limit_is_429_with_retry_after(site_settings: Settings) -> None:
    site_settings.rate_limit_search = 3
    with TestClient(create_app(site_settings)) as client:
        statuses = [client.get("/search", params={"q": "x"}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/api/search", params={"q": "x"})  # the same budget
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "at most 3 per minute" in refused.text
        metrics = client.get("/metrics").text
    assert 'kb_rate_limited_total{limit="search"} 2.0' in metrics


def test_console_and_examples_have_their_own_limits(site_settings: Settings) -> None:
    site_settings.rate_limit_try = 1
    site_settings.rate_limit_examples = 1
    with TestClient(create_app(site_settings)) as client:
        form = {"block": "0", "method": "GET", "path": "/names"}
        assert client.post("/try/greeting", data=form).status_code == 200
        assert client.post("/try/greeting", data=form).status_code == 429
        assert client.get("/examples/greeting/names").status_code == 200
        assert client.get("/examples/greeting/names").status_code == 429
        assert client.get("/patterns/greeting").status_code == 200  # reading is not limited


def test_zero_turns_a_limit_off(site_settings: Settings) -> None:
    site_settings.rate_limit_search = 0
    with TestClient(create_app(site_settings)) as client:
        assert {client.get("/search?q=x").status_code for _ in range(20)} == {200}


def test_clients_are_counted_apart(site_settings: Settings) -> None:
    site_settings.rate_limit_search = 1
    app = create_app(site_settings)
    with (
        TestClient(app, client=("10.0.0.1", 1)) as one,
        TestClient(app, client=("10.0.0.2", 1)) as two,
    ):
        assert one.get("/search?q=x").status_code == 200
        assert two.get("/search?q=x").status_code == 200
        assert one.get("/search?q=x").status_code == 429


def test_named_rules_count_apart_and_say_their_window() -> None:
    limiter = RateLimiter([Rule.named("proposals", "2/hour"), Rule.named("previews", "1/minute")])
    assert limiter.hit_named("proposals", "a") is None
    assert limiter.hit_named("previews", "a") is None
    assert limiter.hit_named("proposals", "a") is None
    refused = limiter.hit_named("proposals", "a")
    assert refused is not None and refused.rule.name == "proposals"
    assert "at most 2 per hour" in refused.message and 1 <= refused.retry_after <= 3600
    assert limiter.hit_named("proposals", "b") is None  # another client
    assert limiter.hit_named("unknown", "a") is None  # no rule: no limit


def test_path_rules_match_prefix_and_method_and_named_rules_no_path() -> None:
    limiter = RateLimiter(
        [
            Rule.per_minute("try", "/try/", 1, frozenset({"POST"})),
            Rule.named("previews", "1/minute"),
        ]
    )
    assert limiter.hit("/try/x", "GET", "a") is None  # not a counted method
    assert limiter.hit("/try/x", "POST", "a") is None
    over = limiter.hit("/try/y", "POST", "a")
    assert over is not None and over.rule.name == "try"
    assert limiter.hit("/previews", "POST", "a") is None  # a named rule has no path


def test_a_paths_rule_is_found_by_prefix_and_method_however_often_asked() -> None:
    limiter = RateLimiter(
        [
            Rule.per_minute("try", "/try/", 1, frozenset({"POST"})),
            Rule.per_minute("search", "/search", 1),
        ]
    )
    for _ in range(2):  # the second time from what was remembered
        assert limiter.hit("/try/a", "GET", "c1") is None  # not a method the rule counts
        assert limiter.hit("/patterns/a", "GET", "c1") is None
    assert limiter.hit("/try/a", "POST", "c1") is None
    refusal = limiter.hit("/try/a", "POST", "c1")
    assert refusal is not None and refusal.rule.name == "try"
    assert limiter.hit("/search", "HEAD", "c1") is None
    over = limiter.hit("/search", "GET", "c1")
    assert over is not None and over.rule.name == "search"


def test_the_paths_remembered_are_bounded() -> None:
    limiter = RateLimiter([Rule.per_minute("search", "/search", 1)])
    for n in range(5000):
        assert limiter.hit(f"/patterns/{n}", "GET", "c") is None
    assert len(limiter._rule_of) <= 4096
    assert limiter.hit("/search", "GET", "c") is None
    assert limiter.hit("/search", "GET", "c") is not None  # unremembered paths still count

import gc
import weakref

from kb.consoles import cookies
from kb.consoles.cookies import Jar, Jars
from kb.consoles.requests import ConsoleRequest

ORIGIN = "http://testserver"


def keep(jar: Jar, *set_cookies: str, path: str = "/login") -> None:
    jar.keep(ConsoleRequest("POST", path), [("set-cookie", c) for c in set_cookies], ORIGIN)


def test_cookies_go_back_to_the_paths_they_were_set_for() -> None:
    jar = Jar()
    keep(jar, "sid=abc; Path=/; HttpOnly; SameSite=lax", "admin=1; Path=/admin")
    assert jar.header(ORIGIN, "/me") == "sid=abc"
    assert jar.header(ORIGIN, "/admin/users") == "admin=1; sid=abc"
    assert jar.names() == ["admin", "sid"]
    sent = jar.send_with(ConsoleRequest("GET", "/me", (("Cookie", "theme=dark"),)), ORIGIN)
    assert sent.headers == (("Cookie", "sid=abc; theme=dark"),)


def test_secure_cookies_are_kept_as_a_browser_keeps_them_on_localhost() -> None:
    jar = Jar()
    keep(jar, "sid=abc; Path=/; Secure; HttpOnly")
    assert jar.header(ORIGIN, "/") == "sid=abc"


def test_max_age_zero_and_past_expiry_delete_a_cookie() -> None:
    jar = Jar()
    keep(jar, "sid=abc; Path=/", "csrf=x; Path=/")
    keep(jar, 'sid=""; Max-Age=0; Path=/')
    assert jar.header(ORIGIN, "/") == "csrf=x"
    keep(jar, "csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/")
    assert jar.header(ORIGIN, "/") == "" and len(jar) == 0


def test_a_cookie_is_replaced_by_a_new_value_of_the_same_name() -> None:
    jar = Jar()
    keep(jar, "sid=one; Path=/")
    keep(jar, "sid=two; Path=/")
    assert jar.header(ORIGIN, "/") == "sid=two" and len(jar) == 1


def test_a_jar_is_bounded_in_count_and_cookie_size() -> None:
    jar = Jar()
    keep(jar, *(f"c{n}=v; Path=/" for n in range(cookies.MAX_COOKIES + 10)))
    assert len(jar) == cookies.MAX_COOKIES
    keep(jar, "c0=replaced; Path=/")  # a full jar still takes a new value for a kept cookie
    assert "c0=replaced" in jar.header(ORIGIN, "/")
    small = Jar()
    keep(small, "big=" + "x" * cookies.MAX_COOKIE_BYTES + "; Path=/", "ok=1; Path=/")
    assert small.names() == ["ok"]


def test_cookies_stay_with_the_host_that_set_them() -> None:
    jar = Jar()
    keep(jar, "sid=abc; Path=/")
    assert jar.header("http://127.0.0.1:8000", "/") == ""


def test_a_readers_jar_lives_as_long_as_their_sandbox() -> None:
    class Sandbox:
        pass

    jars = Jars()
    first = Sandbox()
    jar = jars.of("reader", "entry", first)
    keep(jar, "sid=abc; Path=/")
    assert jars.of("reader", "entry", first) is jar
    assert jars.of("other", "entry", first) is not jar
    assert jars.of("reader", "another-entry", first) is not jar
    restarted = Sandbox()
    assert len(jars.of("reader", "entry", restarted)) == 0  # a new sandbox: an empty jar
    kept = jars.of("reader", "entry", restarted)
    jars.forget("reader", "entry")
    assert jars.of("reader", "entry", restarted) is not kept
    gone = weakref.ref(first)
    del first
    gc.collect()
    assert gone() is None  # a jar does not keep a sandbox alive


def test_jars_are_bounded() -> None:
    class Sandbox:
        pass

    sandbox = Sandbox()
    jars = Jars(max_jars=2)
    jar = jars.of("a", "x", sandbox)
    jars.of("b", "x", sandbox)
    jars.of("c", "x", sandbox)
    assert jars.of("a", "x", sandbox) is not jar

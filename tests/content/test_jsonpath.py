import pytest

from kb.content import jsonpath

DOCUMENT = {"items": [{"id": 1, "name": "a"}, {"id": 2}], "odd key": {"x": None}, "n": 0}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOCUMENT),
        ("$.n", 0),
        ("$.items[0].name", "a"),
        ("$.items[-1].id", 2),
        ("$['odd key'].x", None),
        ('$["items"][1]', {"id": 2}),
    ],
)
def test_find(path: str, expected: object) -> None:
    assert jsonpath.find(DOCUMENT, path) == expected


@pytest.mark.parametrize("path", ["$.missing", "$.items[5]", "$.n.deeper", "$.items.name"])
def test_find_raises_key_error_when_nothing_is_there(path: str) -> None:
    with pytest.raises(jsonpath.NotFound):
        jsonpath.find(DOCUMENT, path)


@pytest.mark.parametrize("path", ["items", "$..id", "$.items[*]", "$[?(@.id)]"])
def test_unsupported_paths_are_rejected_with_a_message(path: str) -> None:
    with pytest.raises(jsonpath.JSONPathError, match="JSONPath"):
        jsonpath.parse(path)

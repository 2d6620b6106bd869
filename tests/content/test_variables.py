import pytest

from kb.content import variables


def test_substitute_replaces_known_and_reports_unknown_variables() -> None:
    assert variables.substitute("Bearer {{ token }}", {"token": "abc"}) == "Bearer abc"
    with pytest.raises(variables.UnknownVariable) as unknown:
        variables.substitute("{{known}} {{missing}}", {"known": "k"})
    assert unknown.value.name == "missing"


def test_names_are_listed_once_in_order_of_first_use() -> None:
    assert variables.names("{{b}} {{ a }} {{b}} {{not a name}} {{_c1}}") == ["b", "a", "_c1"]

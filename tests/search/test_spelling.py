from collections import Counter

import pytest

from kb.search.spelling import Vocabulary

VOCABULARY = Vocabulary.from_texts(
    [
        "pagination pagination pagination dependency dependencies authentication",
        "middleware middleware logging logger station nation",
    ]
)


@pytest.mark.parametrize(
    ("typo", "correction"),
    [
        ("pagniation", "pagination"),
        ("dependancy", "dependency"),
        ("authentification", "authentication"),
        ("middlware", "middleware"),
        ("loging", "logging"),
    ],
)
def test_typos_are_corrected(typo: str, correction: str) -> None:
    assert VOCABULARY.correct(typo) == correction


@pytest.mark.parametrize("word", ["pagination", "xyzzyplugh", "abc", "1234"])
def test_known_short_or_hopeless_words_are_not_corrected(word: str) -> None:
    assert VOCABULARY.correct(word) is None


def test_ties_go_to_the_more_frequent_word() -> None:
    vocabulary = Vocabulary(Counter({"cats": 1, "cars": 9}))
    assert vocabulary.correct("carts") == "cars"


def test_prefixes() -> None:
    assert VOCABULARY.has_prefix("pagin")
    assert not VOCABULARY.has_prefix("zzz")
    assert "logger" in VOCABULARY and len(VOCABULARY) == 9


def test_words_starting_with_a_prefix() -> None:
    assert VOCABULARY.starting_with("mid") == ["middleware"]
    assert VOCABULARY.starting_with("d") == ["dependencies", "dependency"]
    assert VOCABULARY.starting_with("zz") == []

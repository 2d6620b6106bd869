import pytest

from kb.search.query import Synonyms, parse, title_key

SYNONYMS = Synonyms([["auth", "authentication"], ["n+1", "eager loading"], ["db", "database"]])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("pagin", '("pagin" * OR "pagi" *)'),
        ("pagination ", '"pagination"'),
        ("jwt token", '"jwt" AND ("token" * OR "toke" *)'),
        ("resp", '"resp" *'),
        ('"rate limit" x', '"rate limit" AND "x"'),
        ('say "exact phrase"', '"say" AND "exact phrase"'),
        ("AND -x* OR", '"and" AND "x" AND "or" *'),
        ("C++", '"c"'),
        ("a", '"a"'),
        ("title:x NEAR(a b)", '"title" AND "x" AND "near" AND "a" AND "b"'),
        ("auth", '("auth" OR "authentication")'),
        ("N+1 query", '("n 1" OR "eager loading") AND ("query" * OR "quer" *)'),
        ("eager loading", '("eager loading" OR "n 1")'),
        ("db", '("db" OR "database")'),
    ],
)
def test_match_expressions(text: str, match: str) -> None:
    assert parse(text, SYNONYMS).match() == match


@pytest.mark.parametrize("text", ["", "   ", "*:-()", '""', "+++"])
def test_queries_without_words_match_nothing(text: str) -> None:
    assert parse(text, SYNONYMS).match() is None


def test_match_any_joins_terms_with_or() -> None:
    assert parse("jwt refresh ", SYNONYMS).match_any() == '"jwt" OR "refresh"'


def test_long_queries_are_trimmed() -> None:
    assert len(parse("word " * 1000).terms) == 16
    assert parse("x" * 300, max_length=200).text == "x" * 200


def test_synonyms_load_from_yaml(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "_synonyms.yaml"
    path.write_text("- [jwt, token]\n- [jwt, bearer]\n")
    synonyms = Synonyms.load(path)
    assert synonyms.of("jwt") == ("token", "bearer")
    assert synonyms.of("token") == ("jwt",)
    path.write_text("just a string\n")
    with pytest.raises(ValueError, match="list of lists"):
        Synonyms.load(path)
    assert len(Synonyms.load(tmp_path / "missing.yaml")) == 0


def test_a_word_typed_half_way_also_matches_its_stem() -> None:
    # The index holds Porter stems: "pagination" is "pagin", which "paginatio" is not a
    # prefix of; cutting the typed word back to half its length reaches the stem.
    assert parse("paginatio").match() == (
        '("paginatio" * OR "paginati" * OR "paginat" * OR "pagina" * OR "pagin" *)'
    )


def test_cuts_stop_at_the_first_prefix_the_index_has() -> None:
    stems = {"pagin", "middlewar"}

    def indexed(prefix: str) -> bool:
        return any(stem.startswith(prefix) for stem in stems)

    assert parse("paginati").match((), indexed) == (
        '("paginati" * OR "paginat" * OR "pagina" * OR "pagin" *)'
    )
    assert parse("middleware").match((), indexed) == '("middleware" * OR "middlewar" *)'
    assert parse("middlewa").match((), indexed) == '"middlewa" *'


def test_short_prefixes_can_be_kept_to_headline_columns() -> None:
    columns = ("title", "summary")
    assert parse("ses").match(columns) == '{title summary} : "ses" *'
    assert parse("sess").match(columns) == '"sess" *'
    assert parse("ses ").match(columns) == '"ses"'
    assert parse("ses").match() == '"ses" *'


def test_a_title_key_ignores_plurals_so_a_singular_query_finds_its_title() -> None:
    assert title_key("Custom Exceptions") == title_key("custom exception")
    assert title_key("Custom Exceptions") == "custom exception"
    assert title_key("CORS") == "cor" == title_key("cors")  # both sides alike
    assert title_key("Async/Await") == "async await"


def test_question_and_filler_words_are_not_topic_words() -> None:
    query = parse("what is the difference between PUT and PATCH")
    assert [term.phrase for term in query.topic.terms] == ["put", "patch"]
    assert query.dropped == ("what", "is", "the", "difference", "between", "and")
    assert query.topic.match() == '"put" AND ("patch" * OR "patc" *)'
    # Left alone when nothing else remains, and when quoted.
    assert [term.phrase for term in parse("how to").topic.terms] == ["how", "to"]
    assert parse("how to").dropped == ()
    assert [t.phrase for t in parse('"how to" ').topic.terms] == ["how to"]


def test_any_word_matching_joins_the_same_expressions_with_or() -> None:
    assert parse("jwt refresh ").match_any() == '"jwt" OR "refresh"'


def test_a_prefix_may_stand_for_the_words_it_starts() -> None:
    def expand(prefix: str) -> tuple[str, ...] | None:
        return ("term1", "term12") if prefix == "term1" else None

    assert parse("term1").match(expand=expand) == '("term1" OR "term12")'
    assert parse("term1 ").match(expand=expand) == '"term1"'  # a finished word stays one
    assert parse("term2").match(expand=expand) == '("term2" * OR "term" *)'

from kb.search.query import Synonyms, parse
from kb.search.snippets import Highlighter


def highlight(query: str, text: str, width: int = 160) -> str:
    return Highlighter.for_query(parse(query, Synonyms([["jwt", "token"]]))).snippet(text, width)


def test_matches_are_marked_and_the_rest_escaped() -> None:
    assert highlight("model ", "Use a <b>response</b> model here.") == (
        "Use a &lt;b&gt;response&lt;/b&gt; <mark>model</mark> here."
    )


def test_word_stems_and_prefixes_match() -> None:
    assert highlight("validation ", "We validate it.") == "We <mark>validate</mark> it."
    assert highlight("pag", "Paginate pages.") == "<mark>Paginate</mark> <mark>pages</mark>."


def test_synonyms_and_phrases_are_marked() -> None:
    assert highlight("jwt ", "A token.") == "A <mark>token</mark>."
    assert (
        highlight('"rate limit"', "A rate  limit applies.") == "A <mark>rate  limit</mark> applies."
    )


def test_long_texts_are_cut_around_the_first_match() -> None:
    text = " ".join(["word"] * 100) + " needle " + " ".join(["word"] * 100)
    snippet = highlight("needle ", text, width=60)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>needle</mark>" in snippet and len(snippet) < 100


def test_no_match_no_snippet() -> None:
    assert highlight("absent ", "Nothing here.") == ""
    assert Highlighter.for_query(parse("")).snippet("text") == ""


def test_count() -> None:
    highlighter = Highlighter.for_query(parse("jwt "))
    assert highlighter.count("jwt and JWT, not jwk") == 2

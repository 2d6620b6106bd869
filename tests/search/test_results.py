from __future__ import annotations

from kb.search.results import Hit, Results, SectionHit


def hit(*sections: SectionHit) -> Hit:
    return Hit("s", "T", "Core", "sum", "/patterns/s", "snip", 1.0, sections)


def test_a_hit_links_to_its_best_section_first() -> None:
    best = SectionHit("reading-a-422", "Reading a 422", "/patterns/s#reading-a-422", "…")
    other = SectionHit("pitfalls", "Pitfalls", "/patterns/s#pitfalls", "…")
    assert hit(best, other).anchor == "reading-a-422"
    assert hit().anchor == ""


def test_results_start_empty_and_do_not_share_lists() -> None:
    first, second = Results("a"), Results("b")
    first.hits.append(hit())
    assert second.hits == [] and second.facets == {} and not second.timed_out

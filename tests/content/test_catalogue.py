from pathlib import Path

from kb.content import catalogue
from kb.settings import Settings


def load(settings: Settings) -> catalogue.Catalogue:
    return catalogue.load(settings.content_dir, settings.examples_dir)


def test_the_fixture_site_loads_clean(site_settings: Settings) -> None:
    loaded = load(site_settings)
    assert list(loaded.entries) == ["greeting", "farewell"]
    assert loaded.problems() == []
    assert [s.title for s in loaded.sections][:2] == ["Core Patterns", "Best Practices"]
    # Every section exists, even those the outline leaves out.
    assert len(loaded.sections) == 6


def test_sections_neighbours_related_and_tags(site_settings: Settings) -> None:
    loaded = load(site_settings)
    greeting = loaded.entries["greeting"]
    assert loaded.section_of(greeting).slug == "core-patterns"
    assert loaded.neighbours(greeting) == (None, None)
    assert [e.slug for e in loaded.related(greeting)] == ["farewell"]
    assert list(loaded.tags) == ["fixture", "greeting"]
    assert [e.slug for e in loaded.tags["fixture"]] == ["greeting", "farewell"]


def test_an_entry_missing_from_the_outline_joins_its_group(site_settings: Settings) -> None:
    text = (site_settings.content_dir / "farewell.md").read_text()
    (site_settings.content_dir / "later.md").write_text(text.replace("Saying Farewell", "Later"))
    loaded = load(site_settings)
    group = loaded.section_by_slug("best-practices").groups[0]  # type: ignore[union-attr]
    assert [e.slug for e in group.entries] == ["farewell", "later"]
    assert loaded.neighbours(loaded.entries["later"])[0] is loaded.entries["farewell"]


def test_a_broken_entry_is_reported_and_the_others_still_load(site_settings: Settings) -> None:
    (site_settings.content_dir / "broken.md").write_text("---\ntitle: [\n---\n")
    loaded = load(site_settings)
    assert set(loaded.entries) == {"greeting", "farewell"}
    assert [(p.path.name, p.code) for p in loaded.broken] == [("broken.md", "KB103")]


def test_references_are_checked_with_suggestions(site_settings: Settings) -> None:
    path = site_settings.content_dir / "greeting.md"
    text = path.read_text()
    text = text.replace("related: [farewell]", "related: [farewel]")
    text = text.replace("example: greeter", "example: greeterr")
    text = text.replace("/patterns/farewell#saying-goodbye", "/patterns/farewell#saying-hello")
    path.write_text(text)
    problems = {(p.code, p.message) for p in load(site_settings).problems()}
    assert (
        "KB401",
        "The related entry 'farewel' does not exist (did you mean 'farewell'?).",
    ) in problems
    assert (
        "KB402",
        "The example 'greeterr' does not exist in examples/ (did you mean 'greeter'?).",
    ) in problems
    assert any(code == "KB404" and "saying-hello" in message for code, message in problems)


def test_the_real_outline_lists_each_topic_once_per_group() -> None:
    outline = catalogue.load_outline(Path(catalogue.__file__).parents[2] / "content")
    topics = [t for s in outline for g in s.groups for t in g.topics]
    assert len(outline) == 6
    assert topics.count("connection-pooling") == 2  # Connection Management and Performance
    assert len(topics) == len(set(topics)) + 1


def test_progress_is_reported(site_settings: Settings) -> None:
    seen: list[tuple[int, int]] = []
    catalogue.load(
        site_settings.content_dir,
        site_settings.examples_dir,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen == [(1, 2), (2, 2)]


def test_an_entry_knows_where_the_files_its_try_blocks_send_are(site_settings: Settings) -> None:
    loaded = load(site_settings)
    greeting = loaded.entries["greeting"]
    assert greeting.files_dir == site_settings.examples_dir.resolve()
    assert greeting.files_label == "examples/"
    assert loaded.entries["farewell"].files_dir is None  # no example


def test_a_file_that_is_not_beside_the_example_is_a_problem_at_its_line(
    site_settings: Settings,
) -> None:
    path = site_settings.content_dir / "greeting.md"
    lines = path.read_text().splitlines()
    number = lines.index("file: file,hello.txt; text/plain") + 1
    path.write_text(path.read_text().replace("file,hello.txt;", "file,goodbye.txt;"))
    [problem] = load(site_settings).problems()
    assert (problem.path, problem.line, problem.code) == (path, number, "KB405")
    assert problem.message == "try block 5: there is no file 'goodbye.txt' beside the example"


def test_entry_paths_are_the_entries_not_the_outline_or_upper_case_files(tmp_path: Path) -> None:
    for name in ("b.md", "a.md", "404.md", "README.md", "_draft.md", "_sections.yaml", "x.txt"):
        (tmp_path / name).write_text("")
    assert [p.name for p in catalogue.entry_paths(tmp_path)] == ["404.md", "a.md", "b.md"]

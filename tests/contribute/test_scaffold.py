import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kb.consoles.check import check
from kb.content import scaffolds
from kb.content.entries import read_entry
from kb.contribute import scaffold
from kb.settings import Settings


def new(settings: Settings, slug: str = "etag-caching", **options: object) -> scaffold.Scaffold:
    arguments: dict = {"title": "ETags and Conditional Requests", "section": "Best Practices"}
    plan = scaffold.scaffold(
        settings.content_dir, settings.examples_dir, slug, **(arguments | options)
    )
    return scaffold.write(plan)


def test_an_entry_its_example_and_its_test_are_written(site_settings: Settings) -> None:
    plan = new(site_settings)
    root = site_settings.examples_dir / "etag_caching"
    assert sorted(plan.files) == sorted(
        [
            site_settings.content_dir / "etag-caching.md",
            root / "__init__.py",
            root / "app.py",
            root / "test_app.py",
        ]
    )
    source = read_entry(site_settings.content_dir / "etag-caching.md")
    assert source.meta.title == "ETags and Conditional Requests"
    assert source.meta.section == "Best Practices"
    assert source.meta.group == "Error Handling"  # the section's first group in the outline
    assert source.meta.example == "etag_caching"
    assert 'include="etag_caching/app.py" symbol="create_app"' in source.body
    assert source.body.count("```hurl") == 3
    headings = [line for line in source.body.splitlines() if line.startswith("## ")]
    assert headings == [
        "## The problem",
        "## The pattern",
        "## Try it",
        "## Pitfalls",
        "## Libraries that do this",  # just before In production, as every entry has it
        "## In production",
        "## Related",
    ]


@pytest.mark.anyio
async def test_the_scaffold_passes_kb_check_as_generated(site_settings: Settings) -> None:
    plan = new(site_settings)
    assert await check(site_settings, [plan.entry]) == []


@pytest.mark.anyio
@pytest.mark.parametrize("example", ["", None], ids=["with-example", "no-example"])
async def test_the_scaffold_is_fresh_until_its_text_is_edited(
    site_settings: Settings, example: str | None
) -> None:
    plan = new(site_settings, example=example)
    source = read_entry(plan.entry)
    assert scaffolds.is_fresh(source) and scaffolds.placeholders(source)
    text = plan.entry.read_text()
    plan.entry.write_text(text.replace("## Pitfalls\n", "## Pitfalls\n\nOne real sentence.\n"))
    problems = await check(site_settings, [plan.entry])
    assert problems and {p.code for p in problems} == {"KB701"}
    assert len(problems) == len(scaffolds.placeholders(read_entry(plan.entry)))


def test_the_slug_is_added_to_its_group_in_the_outline(site_settings: Settings) -> None:
    plan = new(site_settings, section="core-patterns", group="Route Organization")
    assert plan.outlined
    outline = yaml.safe_load((site_settings.content_dir / "_sections.yaml").read_text())
    assert outline[0]["groups"][0]["topics"] == ["greeting", "etag-caching"]


def test_a_new_group_leaves_the_outline_alone(site_settings: Settings) -> None:
    before = (site_settings.content_dir / "_sections.yaml").read_text()
    plan = new(site_settings, group="Caching")
    assert not plan.outlined
    assert (site_settings.content_dir / "_sections.yaml").read_text() == before


def test_the_generated_example_test_passes_and_the_code_is_lint_clean(
    site_settings: Settings,
) -> None:
    new(site_settings)
    package = site_settings.examples_dir / "etag_caching"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package)],
        cwd=site_settings.examples_dir.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff is not None
    for command in ([ruff, "check", str(package)], [ruff, "format", "--check", str(package)]):
        lint = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert lint.returncode == 0, lint.stdout + lint.stderr


def test_an_entry_without_an_example(site_settings: Settings) -> None:
    plan = new(site_settings, example=None)
    assert list(plan.files) == [site_settings.content_dir / "etag-caching.md"]
    source = read_entry(plan.entry)
    assert source.meta.example is None and "```hurl" not in source.body


def test_titles_that_need_quoting_in_yaml_survive(site_settings: Settings) -> None:
    plan = new(site_settings, title='Caching: "ETags" & #hashes')
    assert read_entry(plan.entry).meta.title == 'Caching: "ETags" & #hashes'
    app = plan.files[site_settings.examples_dir / "etag_caching" / "app.py"]
    assert 'FastAPI(title="Caching: \\"ETags\\" & #hashes"' in app


@pytest.mark.parametrize(
    ("slug", "options", "message"),
    [
        ("Bad Slug", {}, "is not a slug"),
        ("greeting", {}, "greeting.md exists"),
        ("etag-caching", {"section": "Best Practice"}, "did you mean 'Best Practices'?"),
        ("etag-caching", {"example": "greeter"}, "examples/greeter exists"),
        ("etag-caching", {"example": "Not-A-Name"}, "is not an example name"),
        ("etag-caching", {"title": "ab"}, "title"),
    ],
)
def test_mistakes_are_refused_before_anything_is_written(
    site_settings: Settings, slug: str, options: dict, message: str
) -> None:
    before = sorted(p for p in site_settings.content_dir.parent.rglob("*"))
    with pytest.raises(scaffold.ScaffoldError, match=message.replace("?", r"\?")):
        new(site_settings, slug, **options)
    assert sorted(p for p in site_settings.content_dir.parent.rglob("*")) == before

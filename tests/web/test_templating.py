import os
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from kb import __version__
from kb.web.assets import Assets, digest, stylesheet_url
from kb.web.templating import build_templates


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("one")
    return folder


def render(templates_dir: Path, source: str, **context: object) -> str:
    return build_templates(templates_dir).env.from_string(source).render(**context)


def test_everything_is_escaped_in_files_and_in_strings(templates_dir: Path) -> None:
    (templates_dir / "note.txt").write_text("{{ x }}")
    templates = build_templates(templates_dir)
    assert templates.get_template("note.txt").render(x="<b>") == "&lt;b&gt;"
    assert templates.env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"


def test_an_undefined_name_is_an_error_not_a_blank(templates_dir: Path) -> None:
    with pytest.raises(UndefinedError, match="missing"):
        render(templates_dir, "<p>{{ missing }}</p>")


def test_block_tags_leave_no_blank_lines(templates_dir: Path) -> None:
    assert render(
        templates_dir, "<ul>\n  {% if yes %}\n  <li>\n  {% endif %}\n</ul>", yes=True
    ) == ("<ul>\n  <li>\n</ul>")


def test_every_page_knows_the_version_and_the_highlight_stylesheet(templates_dir: Path) -> None:
    assert render(templates_dir, "{{ version }} {{ highlight_css }}") == (
        f"{__version__} {stylesheet_url()}"
    )


def test_assets_are_linked_by_content_hash_except_in_development(
    templates_dir: Path, tmp_path: Path
) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "site.css").write_text("body {}")
    assets = Assets(static)
    source = '{{ asset("site.css") }} {{ dev_reload }}'
    served = build_templates(templates_dir, assets=assets).env.from_string(source).render()
    assert served == f"/static/site.{digest(b'body {}')}.css False"
    developed = build_templates(templates_dir, dev=True, assets=assets).env.from_string(source)
    assert developed.render() == "/static/site.css True"


def test_only_development_sees_a_template_edited_under_a_running_server(
    templates_dir: Path,
) -> None:
    served = build_templates(templates_dir)
    developed = build_templates(templates_dir, dev=True)
    assert served.get_template("page.html").render() == "one"
    assert developed.get_template("page.html").render() == "one"
    page = templates_dir / "page.html"
    page.write_text("two")
    later = page.stat().st_mtime + 2  # a change the file's modification time shows
    os.utime(page, (later, later))
    assert served.get_template("page.html").render() == "one"
    assert developed.get_template("page.html").render() == "two"


def test_compiled_templates_are_kept_for_the_next_start(
    templates_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    build_templates(templates_dir, cache_dir=cache).get_template("page.html")

    def compiles(templates_dir: Path) -> int:
        templates = build_templates(templates_dir, cache_dir=cache)
        compile_ = templates.env.compile
        calls: list[str] = []

        def counting(*args: object, **kwargs: object) -> object:
            calls.append("compile")
            return compile_(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(templates.env, "compile", counting)
        templates.get_template("page.html").render()
        return len(calls)

    assert compiles(templates_dir) == 0  # the next start reads the compiled template
    (templates_dir / "page.html").write_text("edited")
    assert compiles(templates_dir) == 1  # keyed by the source: an edit is compiled again

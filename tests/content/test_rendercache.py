from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kb.content import catalogue, rendercache
from kb.content.rendercache import RenderCache
from kb.settings import Settings


def test_render_cache_reuses_unchanged_entries_and_notices_example_edits(
    site_settings: Settings,
) -> None:
    cache = RenderCache()
    first = catalogue.load(site_settings.content_dir, site_settings.examples_dir, cache)
    second = catalogue.load(site_settings.content_dir, site_settings.examples_dir, cache)
    assert second.entries["greeting"].rendered is first.entries["greeting"].rendered
    example = site_settings.examples_dir / "greeter.py"
    example.write_text(example.read_text() + "\n# changed\n")
    third = catalogue.load(site_settings.content_dir, site_settings.examples_dir, cache)
    assert third.entries["greeting"].rendered is not first.entries["greeting"].rendered
    assert third.entries["farewell"].rendered is first.entries["farewell"].rendered


def test_renders_saved_on_disk_are_reused_after_a_restart(
    site_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "renders.db"
    cold = RenderCache(path)
    catalogue.load(site_settings.content_dir, site_settings.examples_dir, cold)
    assert (cold.hits, cold.misses) == (0, 2)
    warm = RenderCache(path)
    loaded = catalogue.load(site_settings.content_dir, site_settings.examples_dir, warm)
    assert (warm.hits, warm.misses) == (2, 0)
    assert loaded.entries["greeting"].rendered.try_blocks[0].status == 201


@pytest.mark.parametrize("garbage", [b"not a database" * 64, b""])
def test_a_corrupt_cache_file_is_rebuilt_not_fatal(
    site_settings: Settings, tmp_path: Path, garbage: bytes
) -> None:
    path = tmp_path / "renders.db"
    path.write_bytes(garbage)
    cache = RenderCache(path)
    cache.preload()
    loaded = catalogue.load(site_settings.content_dir, site_settings.examples_dir, cache)
    assert set(loaded.entries) == {"greeting", "farewell"}
    cache.save()
    warm = RenderCache(path)
    catalogue.load(site_settings.content_dir, site_settings.examples_dir, warm)
    assert (warm.hits, warm.misses) == (2, 0)  # saved anew, readable again


def test_a_saved_render_that_no_longer_unpickles_is_rendered_again(
    site_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "renders.db"
    catalogue.load(site_settings.content_dir, site_settings.examples_dir, RenderCache(path))
    with sqlite3.connect(path) as connection:
        connection.execute('update "renders" set "value" = ?', (b"\x80\x05truncated",))
    cache = RenderCache(path)
    loaded = catalogue.load(site_settings.content_dir, site_settings.examples_dir, cache)
    assert loaded.entries["greeting"].rendered.try_blocks[0].status == 201
    assert cache.misses == 2


def test_the_key_changes_with_the_renderer_and_its_libraries(
    site_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = catalogue.read_entry(site_settings.content_dir / "greeting.md")
    before = RenderCache.key(source, site_settings.examples_dir)
    assert RenderCache.key(source, site_settings.examples_dir) == before  # stable
    rendercache.renderer_fingerprint.cache_clear()
    real = rendercache.metadata.version
    monkeypatch.setattr(
        rendercache.metadata,
        "version",
        lambda name: "999" if name == "pygments" else real(name),
    )
    try:
        assert RenderCache.key(source, site_settings.examples_dir) != before
    finally:
        rendercache.renderer_fingerprint.cache_clear()

"""The catalogue: every entry loaded, rendered once, checked, and placed in its section."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from kb.content import render, scaffolds, sources
from kb.content.entries import SECTIONS, EntryMeta, EntrySource, read_entry
from kb.content.problems import EntryError, Problem, did_you_mean
from kb.content.rendercache import RenderCache

OUTLINE_FILE = "_sections.yaml"


class OutlineGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    topics: list[str] = []


class OutlineSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    slug: str
    description: str
    groups: list[OutlineGroup] = []


_outline_adapter = TypeAdapter(list[OutlineSection])


@dataclass
class Entry:
    source: EntrySource
    rendered: render.Rendered
    problems: list[Problem] = field(default_factory=list)
    digest: str = ""  # changes whenever the entry or the example code it shows changes
    # Where the files its try blocks send (file,NAME;) are: the example's folder.
    files_dir: Path | None = None
    files_label: str = ""  # the same, as readers see it: "examples/file_uploads/"

    @property
    def slug(self) -> str:
        return self.source.slug

    @property
    def meta(self) -> EntryMeta:
        return self.source.meta

    @property
    def url(self) -> str:
        return f"/patterns/{self.slug}"

    @property
    def mount(self) -> str:
        """Where the entry's example app is mounted."""
        return f"/examples/{self.slug}"

    @cached_property
    def anchors(self) -> frozenset[str]:
        return frozenset(h.anchor for h in self.rendered.headings)


@dataclass
class Group:
    title: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Section:
    title: str
    slug: str
    description: str
    groups: list[Group] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/sections/{self.slug}"

    @property
    def entries(self) -> list[Entry]:
        """Each entry once, in reading order."""
        seen: dict[str, Entry] = {}
        for group in self.groups:
            for entry in group.entries:
                seen.setdefault(entry.slug, entry)
        return list(seen.values())


@dataclass
class Catalogue:
    content_dir: Path
    examples_dir: Path
    entries: dict[str, Entry]
    sections: list[Section]
    broken: list[Problem]  # entries that could not be loaded at all

    def section_of(self, entry: Entry) -> Section:
        return next(s for s in self.sections if s.title == entry.meta.section)

    def section_by_slug(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)

    def neighbours(self, entry: Entry) -> tuple[Entry | None, Entry | None]:
        """The previous and next entries in reading order within the entry's section."""
        ordered = self.section_of(entry).entries
        index = ordered.index(entry)
        before = ordered[index - 1] if index > 0 else None
        after = ordered[index + 1] if index + 1 < len(ordered) else None
        return before, after

    def related(self, entry: Entry) -> list[Entry]:
        return [self.entries[slug] for slug in entry.meta.related if slug in self.entries]

    @cached_property
    def tags(self) -> dict[str, list[Entry]]:
        tags: dict[str, list[Entry]] = {}
        for entry in self.entries.values():
            for tag in entry.meta.tags:
                tags.setdefault(tag, []).append(entry)
        return dict(sorted(tags.items()))

    def problems(self) -> list[Problem]:
        found = list(self.broken)
        for entry in self.entries.values():
            found.extend(entry.problems)
        return sorted(found)


def load_outline(content_dir: Path) -> list[OutlineSection]:
    path = content_dir / OUTLINE_FILE
    if not path.is_file():
        return [
            OutlineSection(title=title, slug=_slugify(title), description="") for title in SECTIONS
        ]
    try:
        outline = _outline_adapter.validate_python(yaml.safe_load(path.read_text("utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise EntryError(Problem(path, 1, 1, "KB110", f"invalid outline: {exc}")) from exc
    listed = {section.title for section in outline}
    outline += [
        OutlineSection(title=t, slug=_slugify(t), description="")
        for t in SECTIONS
        if t not in listed
    ]
    return outline


def load(
    content_dir: Path,
    examples_dir: Path,
    cache: RenderCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Catalogue:
    """Read, render and check every entry; an entry that cannot load is reported, not fatal.

    ``progress(done, total)`` is called as entries load, for progress bars.
    """
    cache = cache or RenderCache()
    cache.preload()
    content_dir, examples_dir = content_dir.resolve(), examples_dir.resolve()
    entries: dict[str, Entry] = {}
    broken: list[Problem] = []
    paths = entry_paths(content_dir)
    for done, path in enumerate(paths, start=1):
        if progress is not None:
            progress(done, len(paths))
        try:
            source = read_entry(path)
        except EntryError as exc:
            broken.append(exc.problem)
            continue
        digest, rendered = cache.rendered(source, examples_dir)
        entries[source.slug] = make_entry(source, rendered, digest, examples_dir)
    cache.save()
    try:
        outline = load_outline(content_dir)
    except EntryError as exc:
        broken.append(exc.problem)
        outline = load_outline(content_dir / "__missing__")
    sections = _place(outline, entries)
    catalogue = Catalogue(content_dir, examples_dir, _ordered(sections, entries), sections, broken)
    _check_references(catalogue)
    return catalogue


def entry_paths(content_dir: Path) -> list[Path]:
    """The entry files of a content folder: not ``_sections.yaml`` and the like, not
    ``README.md`` and other upper-case files."""
    return [
        path
        for path in sorted(content_dir.glob("*.md"))
        if not path.name.startswith("_") and not path.stem.isupper()
    ]


def make_entry(
    source: EntrySource,
    rendered: render.Rendered,
    digest: str = "",
    examples_dir: Path | None = None,
) -> Entry:
    """An entry with its rendering's problems placed at their file lines, and where the
    files its try blocks send are (its example's folder, in ``examples_dir``)."""
    problems = [
        Problem(source.path, source.line_of(p.line), 1, p.code, p.message)
        for p in rendered.problems
    ]
    problems += scaffolds.problems(source)
    name = source.meta.example
    found = sources.find(examples_dir, name) if examples_dir and name else None
    if examples_dir is None or found is None:
        return Entry(source, rendered, problems, digest)
    files_dir = found.files_dir
    label = "examples/" + "".join(f"{p}/" for p in files_dir.relative_to(examples_dir).parts)
    return Entry(source, rendered, problems, digest, files_dir, label)


def _place(outline: list[OutlineSection], entries: dict[str, Entry]) -> list[Section]:
    sections = []
    for item in outline:
        section = Section(item.title, item.slug, item.description)
        for group_item in item.groups:
            group = Group(group_item.title)
            group.entries = [entries[slug] for slug in group_item.topics if slug in entries]
            section.groups.append(group)
        placed = {entry.slug for group in section.groups for entry in group.entries}
        for entry in entries.values():
            if entry.meta.section != section.title or entry.slug in placed:
                continue
            existing = next((g for g in section.groups if g.title == entry.meta.group), None)
            if existing is None:
                existing = Group(entry.meta.group)
                section.groups.append(existing)
            existing.entries.append(entry)
        sections.append(section)
    return sections


def _ordered(sections: list[Section], entries: dict[str, Entry]) -> dict[str, Entry]:
    ordered = {entry.slug: entry for section in sections for entry in section.entries}
    return ordered | entries


def _check_references(catalogue: Catalogue) -> None:
    example_names = sources.available(catalogue.examples_dir)
    for entry in catalogue.entries.values():
        entry.problems.extend(reference_problems(catalogue, entry, example_names))


def reference_problems(
    catalogue: Catalogue, entry: Entry, example_names: list[str] | None = None
) -> list[Problem]:
    """Related entries, the example, and links of ``entry`` that do not exist in ``catalogue``."""
    if example_names is None:
        example_names = sources.available(catalogue.examples_dir)
    source = entry.source
    problems = []
    for slug in entry.meta.related:
        if slug not in catalogue.entries:
            problems.append(
                Problem(
                    source.path,
                    meta_line(source, "related"),
                    1,
                    "KB401",
                    f"The related entry {slug!r} does not exist"
                    f"{did_you_mean(slug, list(catalogue.entries))}.",
                )
            )
    name = entry.meta.example
    if name and name not in example_names:
        problems.append(
            Problem(
                source.path,
                meta_line(source, "example"),
                1,
                "KB402",
                f"The example {name!r} does not exist in examples/"
                f"{did_you_mean(name, example_names)}.",
            )
        )
    if (entry.rendered.try_blocks or entry.rendered.websocket_blocks) and not name:
        problems.append(
            Problem(
                source.path,
                1,
                1,
                "KB403",
                "Try blocks need an example app to call: name it in the front matter "
                "with `example: <name>`.",
            )
        )
    for number, block in enumerate(entry.rendered.try_blocks, start=1):
        for name, line in block.files:
            if entry.files_dir is None or "{{" in name:
                continue
            try:
                sources.example_file(entry.files_dir, name)
            except ValueError as exc:
                where = source.line_of(block.line + 1 + line)
                problems.append(
                    Problem(source.path, where, 1, "KB405", f"try block {number}: {exc}")
                )
    for href, line in entry.rendered.links:
        problem = _check_link(catalogue, entry, href)
        if problem:
            problems.append(Problem(source.path, source.line_of(line), 1, "KB404", problem))
    return problems


def _check_link(catalogue: Catalogue, entry: Entry, href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        target = entry
    elif parts.path.startswith("/patterns/"):
        slug = parts.path.removeprefix("/patterns/").strip("/")
        if slug not in catalogue.entries:
            return (
                f"The link goes to an entry {slug!r} that does not exist"
                f"{did_you_mean(slug, list(catalogue.entries))}."
            )
        target = catalogue.entries[slug]
    else:
        return None
    if parts.fragment and parts.fragment not in target.anchors:
        choices = sorted(target.anchors)
        return (
            f"The link goes to #{parts.fragment}, which is not a heading of {target.slug!r}"
            f"{did_you_mean(parts.fragment, choices)}."
        )
    return None


def meta_line(source: EntrySource, field_name: str) -> int:
    """The file line of a front matter field (1 when it is not there)."""
    return source.field_lines.get(field_name, 1)


def _slugify(title: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())

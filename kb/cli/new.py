"""``kb new``: scaffold an entry, its example app and the example's test."""

from __future__ import annotations

import argparse
from typing import Any

from kb.cli.common import CliError, load_settings, names, require_folders, shown

DESCRIPTION = """\
Scaffold an entry, its example app and the example's test.

Write a new entry, content/SLUG.md, with a small working example app and its test, all
passing `kb check` as they are, and list the slug in its group in
content/_sections.yaml. Nothing is ever overwritten. Then replace the sample app with
your pattern and the TODOs with prose (CONTRIBUTING.md, "Start an entry in a minute")."""

EPILOG = """\
examples:
  kb new etag-caching --section "Best Practices" --title "ETag Caching"
  kb new api-keys --section authentication-security --title "API Keys" --tags auth,keys
  kb new reading-list --section core-patterns --title "Reading List" --no-example"""


def register(commands: Any, directories: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "new",
        help="scaffold an entry, its example app and the example's test",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("slug", help="the entry's slug: content/<slug>.md, /patterns/<slug>")
    parser.add_argument(
        "--section", required=True, help="section title or slug, e.g. 'Core Patterns'"
    )
    parser.add_argument("--title", required=True, help="the entry's title (3-80 characters)")
    parser.add_argument("--group", help="group within the section (default: its first)")
    parser.add_argument("--summary", help="one sentence that says what the entry answers")
    parser.add_argument("--example", help="example name (default: the slug with _)")
    parser.add_argument("--no-example", action="store_true", help="an entry without an example app")
    parser.add_argument("--tags", help="comma-separated tags")
    parser.add_argument("--related", help="comma-separated slugs of related entries")
    directories(parser)
    parser.set_defaults(handler=new)


def new(args: argparse.Namespace) -> int:
    from kb.contribute import scaffold

    settings = load_settings(args)
    require_folders(settings, entries=False)  # the first entry of an empty folder is fine
    try:
        plan = scaffold.scaffold(
            settings.content_dir,
            settings.examples_dir,
            args.slug,
            title=args.title,
            section=args.section,
            group=args.group or "",
            summary=args.summary or "",
            example=None if args.no_example else (args.example or ""),
            tags=names(args.tags),
            related=names(args.related),
        )
        scaffold.write(plan)
    except scaffold.ScaffoldError as exc:
        raise CliError(str(exc)) from None
    for path in plan.files:
        print(f"created {shown(path)}")
    outline = shown(settings.content_dir / "_sections.yaml")
    if plan.outlined:
        print(f"listed {plan.entry.stem} in {outline} under {plan.group!r}")
    else:
        print(f"add {plan.entry.stem} to {plan.group!r} in {outline} to set its place")
    entry = shown(plan.entry)
    print(
        "next:\n"
        f"  edit {entry} (and the example); keep the TODOs out of the final text\n"
        f"  kb check {entry}         # front matter, links, includes, example, try blocks\n"
        f"  kb serve --reload         # http://127.0.0.1:8000/patterns/{plan.entry.stem}, "
        "refreshed on every save"
    )
    return 0

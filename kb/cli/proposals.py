"""``kb proposals``: review the entries proposed from /contribute."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kb.cli.common import CliError, load_settings, shown
from kb.cli.db import database_option, opened_store
from kb.settings import Settings

DESCRIPTION = """\
Review the entries proposed from /contribute.

Proposals wait in the proposals database (KB_PROPOSALS_URL, by default
.cache/proposals.db beside the content folder) for a maintainer. `accept` writes the
proposal to content/<slug>.md, never over an existing entry unless told to with
--replace, and checks it as `kb check` would; `reject` keeps it, marked, with the
reason."""

EPILOG = """\
examples:
  kb proposals list                       # the pending ones
  kb proposals list --status all          # every one, with its status
  kb proposals show 3                     # its metadata and Markdown
  kb proposals accept 3                   # write content/<slug>.md and check it
  kb proposals reject 3 --reason "duplicate of pagination\""""

STATUSES = ("pending", "accepted", "rejected", "all")


def register(commands: Any, directories: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "proposals",
        help="review entries proposed from /contribute",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    database_option(parser)
    directories(parser)
    actions = parser.add_subparsers(
        dest="action", required=True, metavar="ACTION", help="what to do with proposals"
    )
    list_parser = actions.add_parser(
        "list", help="list proposals", description="List proposals, oldest first."
    )
    list_parser.add_argument(
        "--status",
        choices=STATUSES,
        default="pending",
        help="which proposals to list (default: pending)",
    )
    show_parser = actions.add_parser(
        "show",
        help="print one proposal and its Markdown",
        description="Print a proposal's slug, title, author, dates, note and Markdown.",
    )
    show_parser.add_argument("id", type=int, help="the proposal's number, as `list` shows it")
    accept_parser = actions.add_parser(
        "accept",
        help="write the proposal to content/<slug>.md and check it",
        description="Write the proposal to content/<slug>.md, mark it accepted, and check "
        "the entry as `kb check` would. A failed write leaves it pending.",
    )
    accept_parser.add_argument("id", type=int, help="the proposal's number")
    accept_parser.add_argument(
        "--replace", action="store_true", help="overwrite an existing entry of that slug"
    )
    reject_parser = actions.add_parser(
        "reject",
        help="mark the proposal rejected",
        description="Mark the proposal rejected; it is kept, with the reason.",
    )
    reject_parser.add_argument("id", type=int, help="the proposal's number")
    reject_parser.add_argument("--reason", help="why, kept with the proposal")
    parser.set_defaults(handler=proposals)


def proposals(args: argparse.Namespace) -> int:
    from kb.contribute.proposals import ProposalError, Status

    settings = load_settings(args)
    with opened_store(args) as store:
        try:
            if args.action == "list":
                wanted = None if args.status == "all" else Status(args.status)
                found = store.proposals(wanted)
                for proposal in found:
                    print(
                        f"#{proposal.id:<4} {proposal.status:<8} "
                        f"{proposal.created_at:%Y-%m-%d %H:%M}  "
                        f"{proposal.slug:<28} {proposal.title}"
                        + (f"  (by {proposal.author})" if proposal.author else "")
                    )
                if not found:
                    which = "" if wanted is None else wanted + " "
                    print(f"no {which}proposals", file=sys.stderr)
            elif args.action == "show":
                proposal = store.get(args.id)
                print(f"proposal #{proposal.id}: {proposal.status}")
                print(f"slug:    {proposal.slug} (content/{proposal.slug}.md)")
                print(f"title:   {proposal.title}")
                print(f"author:  {proposal.author or '(anonymous)'}")
                print(f"created: {proposal.created_at:%Y-%m-%d %H:%M} UTC")
                if proposal.decided_at:
                    print(f"decided: {proposal.decided_at:%Y-%m-%d %H:%M} UTC")
                if proposal.reason:
                    print(f"reason:  {proposal.reason}")
                if proposal.note:
                    print(f"note:    {proposal.note}")
                print()
                print(proposal.markdown, end="" if proposal.markdown.endswith("\n") else "\n")
            elif args.action == "accept":
                target = store.accept(args.id, settings.content_dir, replace=args.replace)
                print(f"accepted #{args.id}: wrote {shown(target)}")
                return _check_accepted(settings, target)
            elif args.action == "reject":
                store.reject(args.id, args.reason or "")
                print(f"rejected #{args.id}")
        except ProposalError as exc:
            raise CliError(str(exc)) from None
    return 0


def _check_accepted(settings: Settings, target: Path) -> int:
    """Run ``kb check`` on an accepted entry; its problems are the maintainer's to fix."""
    from kb.cli.check import run

    problems, _ = run(settings, [target])
    for problem in problems:
        print(problem.format(Path.cwd()))
    if problems:
        print(f"kb check: {len(problems)} problem(s) in the accepted entry", file=sys.stderr)
    else:
        print("kb check: the accepted entry passes; it is in the next index")
    return 0

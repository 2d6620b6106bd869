"""``/contribute``: write an entry in the browser, see it checked and previewed, propose it.

The preview is rendered by the same pipeline as the site (:mod:`kb.content.render`) and checked
as ``kb check`` checks a file (:func:`kb.consoles.check.check_text`). A proposal is stored through
:mod:`kb.contribute.proposals` after a CSRF check (:mod:`kb.contribute.csrf`), a size limit and a per-client rate
limit; ``kb proposals accept`` turns it into ``content/<slug>.md``.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from kb.consoles.check import TextCheck, check_text
from kb.content import render, scaffolds
from kb.content.catalogue import Entry
from kb.content.highlight import highlight
from kb.content.problems import Problem
from kb.contribute import csrf, scaffold
from kb.knowledge import KnowledgeBase
from kb.middleware.ratelimit import RateLimiter, Rule
from kb.settings import PROJECT_DIR, Settings
from kb.web.deps import KB, Htmx, Templates
from kb.web.pages import page

if TYPE_CHECKING:
    from kb.contribute.proposals import ProposalStore

log = logging.getLogger("kb")

GUIDE = PROJECT_DIR / "CONTRIBUTING.md"
DEFAULT_SLUG = "my-new-pattern"
MAX_AUTHOR = 100
MAX_NOTE = 2000
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass
class Contributions:
    """What ``/contribute`` needs beyond the KB: the proposal store, CSRF tokens, a rate limit."""

    database_url: str
    tokens: csrf.CsrfTokens
    rate: str
    max_bytes: int
    previews_rate: str = "300/minute"
    _store: ProposalStore | None = None
    _store_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Settings) -> Contributions:
        secret = settings.secret_key or secrets.token_urlsafe(32)
        return cls(
            settings.proposals_database,
            csrf.CsrfTokens(secret),
            settings.proposals_rate,
            settings.proposals_max_bytes,
            settings.previews_rate,
        )

    @property
    def store(self) -> ProposalStore:
        # SQLAlchemy is imported when proposals are first needed, not before the KB's
        # first page: it is a sixth of the start-up time.
        with self._store_lock:
            if self._store is None:
                from kb.contribute.proposals import ProposalStore

                self._store = ProposalStore(self.database_url)
            return self._store

    def start(self) -> None:
        """Migrate (or check) the schema; a database that is down or out of date is
        logged, and proposals say so.

        Blocking: the app runs it in a worker thread once it serves."""
        from sqlalchemy.exc import SQLAlchemyError

        from kb.contribute.proposals import SchemaOutdated

        try:
            self.store.prepare()
        except (SQLAlchemyError, SchemaOutdated) as exc:
            log.error("proposals database %s is unavailable: %s", self.store.url, exc)

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()

    def __post_init__(self) -> None:
        self._limiter = RateLimiter(
            [Rule.named("proposals", self.rate), Rule.named("previews", self.previews_rate)]
        )

    def retry_after(self, client: str, what: str = "proposals") -> int | None:
        """Seconds to wait when ``client`` has used up its proposals (or previews), else
        None, and one more is counted."""
        refusal = self._limiter.hit_named(what, client)
        return refusal.retry_after if refusal else None

    @property
    def form_limit(self) -> int:
        """Bytes of form body read: the Markdown percent-encoded at worst, plus the rest."""
        return 3 * self.max_bytes + 16 * 1024


@dataclass
class Draft:
    slug: str = DEFAULT_SLUG
    markdown: str = ""
    author: str = ""
    note: str = ""
    token: str = ""

    @classmethod
    def from_form(cls, form: dict[str, str]) -> Draft:
        return cls(
            slug=form.get("slug", "").strip().lower(),
            markdown=form.get("markdown", "").replace("\r\n", "\n"),
            author=form.get("author", "").strip()[:MAX_AUTHOR],
            note=form.get("note", "").replace("\r\n", "\n").strip()[:MAX_NOTE],
            token=form.get(csrf.FIELD, ""),
        )


@dataclass
class Outcome:
    """What happened to a proposal, shown above the editor."""

    ok: bool
    message: str
    proposal_id: int | None = None
    problems: list[Problem] = field(default_factory=list)


class FormTooLarge(Exception):
    pass


def contributions(request: Request) -> Contributions:
    service: Contributions = request.app.state.contributions
    return service


def starter_text(kb: KnowledgeBase) -> str:
    """The editor's starting text: a valid entry without an example, to fill in."""
    section = "Core Patterns"
    return scaffold.entry_markdown(
        title="My new pattern",
        section=section,
        group=scaffold.default_group(kb.settings.content_dir, section),
        summary="One sentence that says what this entry answers.",
    )


async def form(request: Request, kb: KB, templates: Templates) -> HTMLResponse:
    draft = Draft(markdown=starter_text(kb))
    return _page(request, kb, templates, draft)


async def preview(request: Request, kb: KB, templates: Templates, htmx: Htmx) -> HTMLResponse:
    service = contributions(request)
    try:
        draft = Draft.from_form(await read_form(request, service.form_limit))
    except FormTooLarge:
        return _too_large(request, kb, templates, htmx, Draft(), preview=True)
    problem = service.tokens.problem(request, draft.token)
    if problem:
        return _respond(request, kb, templates, htmx, draft, 403, Outcome(False, problem), True)
    if _size(draft) > service.max_bytes:
        return _too_large(request, kb, templates, htmx, draft, preview=True)
    wait = service.retry_after(_client(request), "previews")
    if wait is not None:
        outcome = Outcome(False, f"Too many previews: wait {wait} s.")
        response = _respond(request, kb, templates, htmx, draft, 429, outcome, True)
        response.headers["Retry-After"] = str(wait)
        return response
    return _respond(request, kb, templates, htmx, draft, 200, None, True)


async def propose(request: Request, kb: KB, templates: Templates, htmx: Htmx) -> HTMLResponse:
    service = contributions(request)
    try:
        draft = Draft.from_form(await read_form(request, service.form_limit))
    except FormTooLarge:
        return _too_large(request, kb, templates, htmx, Draft())
    problem = service.tokens.problem(request, draft.token)
    if problem:
        return _respond(request, kb, templates, htmx, draft, 403, Outcome(False, problem))
    if _size(draft) > service.max_bytes:
        return _too_large(request, kb, templates, htmx, draft)
    wait = service.retry_after(_client(request))
    if wait is not None:
        outcome = Outcome(
            False,
            f"Too many proposals from your address: at most {service.rate}. "
            f"Try again in {wait} s; your text stays in the editor.",
        )
        response = _respond(request, kb, templates, htmx, draft, 429, outcome)
        response.headers["Retry-After"] = str(wait)
        return response
    checked = check_text(kb.catalogue, draft.slug, draft.markdown)
    if checked.problems or checked.entry is None:
        outcome = Outcome(
            False,
            "Not proposed yet: fix these problems first (the preview lists them too).",
            problems=checked.problems,
        )
        return _respond(request, kb, templates, htmx, draft, 422, outcome, checked=checked)
    entry = checked.entry
    from sqlalchemy.exc import SQLAlchemyError  # loaded with the store, on first use

    from kb.contribute.proposals import ProposalError, SchemaOutdated

    try:
        proposal = await run_in_threadpool(
            service.store.add,
            draft.slug,
            entry.meta.title,
            draft.markdown,
            draft.author,
            draft.note,
        )
    except (SQLAlchemyError, SchemaOutdated) as exc:
        log.error("a proposal for %r was not saved: %s", draft.slug, exc)
        outcome = Outcome(
            False,
            "Your proposal was NOT saved: the proposals database failed "
            f"({type(exc).__name__}). Your text is still in the editor: copy it somewhere "
            "safe and try again later.",
        )
        return _respond(request, kb, templates, htmx, draft, 503, outcome, checked=checked)
    except ProposalError as exc:
        outcome = Outcome(False, f"Not proposed: {exc}.")
        return _respond(request, kb, templates, htmx, draft, 422, outcome, checked=checked)
    log.info("proposal #%d for %r stored", proposal.id, draft.slug)
    exists = draft.slug in kb.catalogue.entries
    outcome = Outcome(
        True,
        f"Thank you! Proposal #{proposal.id} for “{entry.meta.title}” is saved. "
        + (f"It would replace the current /patterns/{draft.slug} once accepted. " if exists else "")
        + "A maintainer reviews it with kb proposals show "
        f"{proposal.id}, then accepts or rejects it.",
        proposal_id=proposal.id,
    )
    return _respond(request, kb, templates, htmx, draft, 201, outcome, checked=checked)


async def guide(request: Request, kb: KB, templates: Templates) -> HTMLResponse:
    """CONTRIBUTING.md, rendered by the site's own Markdown pipeline."""
    rendered = _rendered_guide(GUIDE, GUIDE.stat().st_mtime_ns, kb.settings.examples_dir)
    return page(templates, request, "contributing.html", {"guide": rendered})


@lru_cache(maxsize=4)
def _rendered_guide(path: Path, _mtime: int, examples_dir: Path) -> render.Rendered:
    return render.render(path.read_text("utf-8"), examples_dir)


async def read_form(request: Request, limit: int) -> dict[str, str]:
    """The urlencoded form, read up to ``limit`` bytes; more raises :class:`FormTooLarge`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FormTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise FormTooLarge
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    return {name: values[0] for name, values in fields.items()}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _size(draft: Draft) -> int:
    return len(draft.markdown.encode("utf-8"))


def _too_large(
    request: Request,
    kb: KnowledgeBase,
    templates: Jinja2Templates,
    htmx: bool,
    draft: Draft,
    preview: bool = False,
) -> HTMLResponse:
    limit = contributions(request).max_bytes
    outcome = Outcome(
        False,
        f"Too large: an entry may have at most {limit // 1024} KiB of Markdown "
        f"({limit} bytes). Shorten it, or split it into two entries.",
    )
    return _respond(request, kb, templates, htmx, draft, 413, outcome, preview)


def _respond(
    request: Request,
    kb: KnowledgeBase,
    templates: Jinja2Templates,
    htmx: bool,
    draft: Draft,
    status_code: int,
    outcome: Outcome | None,
    preview: bool = False,
    checked: TextCheck | None = None,
) -> HTMLResponse:
    """The fragment htmx asked for, or the whole page (the form keeps the text)."""
    if not htmx:
        return _page(request, kb, templates, draft, outcome, status_code, checked)
    if preview:
        context = _preview_context(kb, draft, checked, compute=status_code < 400)
        context["preview_error"] = outcome.message if outcome else ""
        context["fragment"] = True
        return templates.TemplateResponse(
            request, "_contribute_preview.html", context, status_code=status_code
        )
    return templates.TemplateResponse(
        request, "_proposal_result.html", {"outcome": outcome}, status_code=status_code
    )


def _page(
    request: Request,
    kb: KnowledgeBase,
    templates: Jinja2Templates,
    draft: Draft,
    outcome: Outcome | None = None,
    status_code: int = 200,
    checked: TextCheck | None = None,
) -> HTMLResponse:
    service = contributions(request)
    token = service.tokens.for_request(request)
    context = {
        **_preview_context(kb, draft, checked, compute=status_code not in (403, 413)),
        "preview_error": "",
        "draft": draft,
        "token": token,
        "token_field": csrf.FIELD,
        "outcome": outcome,
        "max_bytes": service.max_bytes,
        "rate": service.rate,
        "sections": kb.catalogue.sections,
    }
    response = page(templates, request, "contribute.html", context, status_code=status_code)
    csrf.set_cookie(response, token, request, path="/contribute")
    return response


def _preview_context(
    kb: KnowledgeBase, draft: Draft, checked: TextCheck | None = None, compute: bool = True
) -> dict[str, Any]:
    if checked is None and compute and draft.markdown.strip():
        checked = check_text(kb.catalogue, draft.slug or DEFAULT_SLUG, draft.markdown)
    entry = checked.entry if checked else None
    problems = checked.problems if checked else []
    # Placeholders already reported as problems (an edited scaffold) are not listed twice.
    flagged = any(p.code == scaffolds.PLACEHOLDER_CODE for p in problems)
    return {
        "preview_entry": entry,
        "preview_parts": _parts(entry) if entry else [],
        "problems": problems,
        "placeholders": scaffolds.placeholders(entry.source) if entry and not flagged else [],
        "checked": checked is not None,
        "fragment": False,  # True: the preview goes out of band (see _contribute_preview.html)
    }


def _parts(entry: Entry) -> list[str]:
    """The rendered body, with each try block shown as its highlighted source."""
    lines = entry.source.body.splitlines()
    parts = []
    for part in entry.rendered.parts:
        if isinstance(part, str):
            parts.append(part)
            continue
        block = entry.rendered.try_blocks[part]
        source = _fence_body(lines, block.line)
        parts.append(f'<div class="try-preview">{highlight(source, "text")}</div>')
    return parts


def _fence_body(lines: list[str], opening: int) -> str:
    fence = lines[opening].strip()
    marker = fence[: len(fence) - len(fence.lstrip("`~"))] or "```"
    body = []
    for line in lines[opening + 1 :]:
        if line.strip() == marker:
            break
        body.append(line)
    return "\n".join(body) + "\n"

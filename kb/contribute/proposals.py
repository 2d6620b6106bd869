"""Proposed entries, kept in a database through SQLAlchemy until a maintainer decides.

A proposal is the Markdown of one entry sent from ``/contribute``. ``kb proposals accept``
writes it to ``content/<slug>.md``; ``reject`` keeps it, marked, with the reason.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import DateTime, Engine, String, Text, create_engine, event, select, update
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from kb.content.entries import SLUG_RE

if TYPE_CHECKING:
    from kb.contribute import schema


class ProposalError(Exception):
    """A proposal that cannot be stored, found, accepted or rejected; the message says why."""


class SchemaOutdated(ProposalError):
    """The shared database's schema is older than this KB's: ``kb db upgrade`` migrates it."""


class Status(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Proposal(Base):
    __tablename__ = "kb_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(200))
    markdown: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=Status.PENDING, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text, default="")


class ProposalStore:
    """Add, list, accept and reject proposals in the database at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.engine = _engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._tables = False

    @property
    def migrates_itself(self) -> bool:
        """SQLite (one KB's own file) is migrated on start-up; a shared database is
        migrated by ``kb db upgrade``, once, not by every process that starts."""
        return self.url.get_backend_name() == "sqlite"

    def upgrade(self) -> schema.Status:
        """Migrate the schema to the newest revision; the status it had before."""
        from kb.contribute import schema  # alembic: loaded with the store, not before

        database = self.url.database
        if self.migrates_itself and database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        return schema.upgrade(self.engine)

    def prepare(self) -> None:
        """Make the schema current (SQLite), or make sure it is (a shared database)."""
        from kb.contribute import schema

        if self.migrates_itself:
            self.upgrade()
        else:
            found = schema.status(self.engine)
            if not found.up_to_date:
                raise SchemaOutdated(
                    f"the proposals database is at revision {found.current or '(none)'}, "
                    f"this KB needs {found.head}: run `kb db upgrade`"
                )
        self._tables = True

    def _ready(self) -> None:
        if not self._tables:
            self.prepare()

    def add(
        self, slug: str, title: str, markdown: str, author: str = "", note: str = ""
    ) -> Proposal:
        if not re.match(SLUG_RE, slug):
            raise ProposalError(f"{slug!r} is not a slug (a-z, 0-9, -)")
        proposal = Proposal(
            slug=slug,
            title=title,
            markdown=markdown,
            author=author,
            note=note,
            status=Status.PENDING,
            created_at=_now(),
            reason="",
        )
        self._ready()
        with self._sessions.begin() as session:
            session.add(proposal)
        return proposal

    def proposals(self, status: Status | None = None) -> list[Proposal]:
        query = select(Proposal).order_by(Proposal.id)
        if status is not None:
            query = query.where(Proposal.status == status)
        self._ready()
        with self._sessions() as session:
            return list(session.scalars(query))

    def get(self, proposal_id: int) -> Proposal:
        self._ready()
        with self._sessions() as session:
            proposal = session.get(Proposal, proposal_id)
        if proposal is None:
            raise ProposalError(f"there is no proposal #{proposal_id}")
        return proposal

    def accept(self, proposal_id: int, content_dir: Path, replace: bool = False) -> Path:
        """Write the proposal to ``content_dir/<slug>.md`` and mark it accepted.

        The file is written before the change of status is committed, so a failed write
        leaves the proposal pending, and the error says what failed.
        """
        self._ready()
        with self._sessions() as session:
            proposal = session.get(Proposal, proposal_id)
            if proposal is None:
                raise ProposalError(f"there is no proposal #{proposal_id}")
            if proposal.status != Status.PENDING:
                raise ProposalError(f"proposal #{proposal_id} is already {proposal.status}")
            if not re.match(SLUG_RE, proposal.slug):
                raise ProposalError(f"proposal #{proposal_id} has no valid slug")
            target = content_dir / f"{proposal.slug}.md"
            if target.exists() and not replace:
                raise ProposalError(
                    f"{target} exists: accept with --replace to overwrite it with proposal "
                    f"#{proposal_id}"
                )
            # An UPDATE returns a CursorResult, which has rowcount; execute() is typed
            # for every statement and so returns the base Result.
            claimed = cast(
                CursorResult[Any],
                session.execute(
                    update(Proposal)
                    .where(Proposal.id == proposal_id, Proposal.status == Status.PENDING)
                    .values(status=Status.ACCEPTED, decided_at=_now())
                ),
            )
            if claimed.rowcount != 1:
                raise ProposalError(f"proposal #{proposal_id} was decided meanwhile")
            try:
                write_atomically(target, proposal.markdown)
            except OSError as exc:
                session.rollback()
                raise ProposalError(
                    f"could not write {target}: {exc}; proposal #{proposal_id} stays pending"
                ) from exc
            try:
                session.commit()
            except SQLAlchemyError as exc:
                raise ProposalError(
                    f"wrote {target}, but could not mark proposal #{proposal_id} accepted: {exc}"
                ) from exc
        return target

    def reject(self, proposal_id: int, reason: str = "") -> Proposal:
        self._ready()
        with self._sessions.begin() as session:
            proposal = session.get(Proposal, proposal_id)
            if proposal is None:
                raise ProposalError(f"there is no proposal #{proposal_id}")
            if proposal.status != Status.PENDING:
                raise ProposalError(f"proposal #{proposal_id} is already {proposal.status}")
            proposal.status = Status.REJECTED
            proposal.decided_at = _now()
            proposal.reason = reason
        return proposal

    def dispose(self) -> None:
        self.engine.dispose()


def write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` so that readers see the old file or the new, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database in (None, "", ":memory:"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    else:
        engine = create_engine(url, connect_args={"timeout": 30})

    # pysqlite starts transactions late and lets a reader's lock upgrade fail at once;
    # begin every transaction with BEGIN IMMEDIATE instead, so writers queue and wait.
    @event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine

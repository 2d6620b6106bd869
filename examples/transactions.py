"""Atomic money transfers: session.begin() blocks, a CHECK constraint, row locks and savepoints."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from tempfile import TemporaryDirectory
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import CheckConstraint, Engine, ForeignKey, String, create_engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    # The invariant lives in the database, where no code path can skip it.
    __table_args__ = (CheckConstraint("balance_cents >= 0", name="non_negative_balance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(50))
    balance_cents: Mapped[int]


class Transfer(Base):
    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    amount_cents: Mapped[int]
    source: Mapped[Account] = relationship(foreign_keys=[source_id])
    target: Mapped[Account] = relationship(foreign_keys=[target_id])


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner: str
    balance_cents: int


class Ledger(BaseModel):
    accounts: list[AccountOut]
    total_cents: int


# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger one is a 422, not a database error.
AccountId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class TransferIn(BaseModel):
    source_id: AccountId
    target_id: AccountId
    amount_cents: int = Field(gt=0, le=1_000_000_00)

    @model_validator(mode="after")
    def different_accounts(self) -> "TransferIn":
        if self.source_id == self.target_id:
            raise ValueError("source_id and target_id must differ")
        return self


class TransferOut(BaseModel):
    id: int
    source: AccountOut
    target: AccountOut
    amount_cents: int


class BatchResult(BaseModel):
    index: int
    outcome: Literal["done", "rolled back"]
    detail: str


class TransferError(Exception):
    """A transfer that must not happen; carries the HTTP status that says why."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


SEED = (("alice", 100_00), ("bob", 50_00), ("carol", 0))


def use_real_sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy emit BEGIN, so SAVEPOINTs nest inside it (pysqlite before Python 3.12)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # A database file, not ":memory:": each session then checks out its own connection
    # from the pool, so concurrent requests run concurrent transactions. A single
    # connection shared by every thread (StaticPool) would put them all in one, and the
    # second request's BEGIN would fail.
    with TemporaryDirectory() as directory:
        # The database DATABASE_URL names (see transactions.env), else a SQLite file.
        engine = create_engine(DatabaseSettings().database_url or f"sqlite:///{directory}/bank.db")
        if engine.dialect.name == "sqlite":
            use_real_sqlite_transactions(engine)
        Base.metadata.create_all(engine)
        factory = sessionmaker(engine, expire_on_commit=False)
        with factory.begin() as session:
            session.add_all(Account(owner=owner, balance_cents=cents) for owner, cents in SEED)
        app.state.session_factory = factory
        try:
            yield
        finally:
            engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def move_money(session: Session, data: TransferIn) -> Transfer:
    """Debit, credit and record — inside whatever transaction the caller opened."""
    # Lock both rows, always in id order so two opposite transfers cannot deadlock.
    # FOR UPDATE on PostgreSQL/MySQL; SQLite ignores it (it locks the whole database).
    ids = sorted({data.source_id, data.target_id})
    query = select(Account).where(Account.id.in_(ids)).order_by(Account.id).with_for_update()
    accounts = {account.id: account for account in session.scalars(query)}
    missing = [i for i in (data.source_id, data.target_id) if i not in accounts]
    if missing:
        raise TransferError(status.HTTP_404_NOT_FOUND, f"Account {missing[0]} not found.")
    source, target = accounts[data.source_id], accounts[data.target_id]
    target.balance_cents += data.amount_cents
    source.balance_cents -= data.amount_cents
    transfer = Transfer(source=source, target=target, amount_cents=data.amount_cents)
    session.add(transfer)
    try:
        session.flush()  # the UPDATEs and the INSERT run now, inside the transaction
    except IntegrityError as exc:
        if "non_negative_balance" not in str(exc.orig):
            raise
        raise TransferError(
            status.HTTP_409_CONFLICT,
            f"Insufficient funds in account {data.source_id}: nothing was transferred.",
        ) from None
    return transfer


def ledger(session: Session) -> Ledger:
    rows = session.scalars(select(Account).order_by(Account.id))
    accounts = [AccountOut.model_validate(row) for row in rows]
    return Ledger(accounts=accounts, total_cents=sum(a.balance_cents for a in accounts))


def create_app() -> FastAPI:
    app = FastAPI(title="Transaction management", lifespan=lifespan)

    @app.get("/accounts", response_model=Ledger)
    def list_accounts(session: SessionDep) -> Ledger:
        return ledger(session)

    @app.post("/transfers", status_code=status.HTTP_201_CREATED, response_model=TransferOut)
    def create_transfer(data: TransferIn, session: SessionDep) -> TransferOut:
        try:
            with session.begin():  # COMMIT if the block ends, ROLLBACK if anything raises
                transfer = move_money(session, data)
        except TransferError as exc:
            raise HTTPException(exc.status_code, exc.detail) from None
        return TransferOut(
            id=transfer.id,
            source=AccountOut.model_validate(transfer.source),
            target=AccountOut.model_validate(transfer.target),
            amount_cents=transfer.amount_cents,
        )

    @app.post("/transfers/batch", response_model=list[BatchResult])
    def create_batch(items: list[TransferIn], session: SessionDep) -> list[BatchResult]:
        """Each transfer in its own SAVEPOINT: a failure undoes that one transfer only."""
        results = []
        with session.begin():  # one outer transaction for the whole batch
            for index, item in enumerate(items):
                try:
                    with session.begin_nested():  # SAVEPOINT ... RELEASE or ROLLBACK TO
                        move_money(session, item)
                except TransferError as exc:
                    results.append(
                        BatchResult(index=index, outcome="rolled back", detail=exc.detail)
                    )
                else:
                    results.append(BatchResult(index=index, outcome="done", detail="ok"))
        return results

    return app

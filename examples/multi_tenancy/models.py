"""The tables: every row of tenant data names its tenant, and nothing else decides it."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # immutable: tokens' `tid`
    slug: Mapped[str] = mapped_column(String(63), unique=True)  # the subdomain: may change
    name: Mapped[str] = mapped_column(String(200))


class TenantScoped:
    """A mixin for tenant data: the session adds ``tenant_id = :current`` to every query
    of these classes, and sets it on every new row."""

    tenant_id: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), index=True)


class User(TenantScoped, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # immutable: tokens' `sub`
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))


class Note(TenantScoped, Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000), default="")

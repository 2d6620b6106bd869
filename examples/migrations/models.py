"""The ORM models as they are at the head revision; the migrations build this schema."""

from sqlalchemy import String, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(server_default=false())
    priority: Mapped[int] = mapped_column(server_default="0", index=True)  # added by 0002

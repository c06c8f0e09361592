"""Planned works and releases, and their timed notices (one row per notice, found by an indexed due time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class WorkKind:
    works = "works"
    release = "release"


class WorkStatus:
    scheduled = "scheduled"
    started = "started"
    completed = "completed"
    cancelled = "cancelled"


class Stage:
    """When a notice goes out: at creation, an hour before the start, at the start, at the end."""

    created = "created"
    reminder = "reminder"
    start = "start"
    end = "end"
    timed = ("reminder", "start", "end")


class PlannedWork(Base):
    __tablename__ = "planned_works"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=WorkKind.works)
    services: Mapped[list[Any]] = mapped_column(default=list)  # service codes
    title: Mapped[str] = mapped_column(String(300))
    what: Mapped[str] = mapped_column(String(2000), default="")  # what will be unavailable
    changes: Mapped[list[Any]] = mapped_column(default=list)  # a release's list of changes
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    # announced less than 24 h ahead (003 asks for 24 h): recorded, shown in the notices and the report
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=WorkStatus.scheduled, index=True)
    extended_count: Mapped[int] = mapped_column(Integer, default=0)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()  # completed or cancelled


class PlannedNotice(Base):
    """One timed notice. Written with the works; sent (a broadcast made) in the same transaction that marks it."""

    __tablename__ = "planned_notices"
    __table_args__ = (UniqueConstraint("work_id", "stage"),
                      Index("ix_planned_notices_due", "settled", "due_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("planned_works.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column()
    settled: Mapped[bool] = mapped_column(Boolean, default=False)  # sent, dropped or cancelled
    outcome: Mapped[str | None] = mapped_column(String(16))  # sent | late | dropped | cancelled
    broadcast_id: Mapped[int | None] = mapped_column(Integer)
    settled_at: Mapped[datetime | None] = mapped_column()

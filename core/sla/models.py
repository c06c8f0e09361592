"""SLA tables: editable policies and calendars, and one clock with its targets per ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class SlaPolicyRow(Base):
    """A policy as `Policy.from_dict` data, editable through the admin API."""

    __tablename__ = "sla_policies"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlaCalendarRow(Base):
    """A calendar as `BusinessCalendar.from_dict` data (holidays are edited here)."""

    __tablename__ = "sla_calendars"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketSla(Base):
    """The clock of one ticket: when it started, its pauses, and whether it still runs."""

    __tablename__ = "ticket_sla"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    policy: Mapped[str] = mapped_column(String(32))
    # the service's working calendar: the policy's working-time targets count on it (None: the policy's own)
    calendar: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column()
    paused_since: Mapped[datetime | None] = mapped_column()
    # closed spans [[start_iso, end_iso], ...] during which no target's time runs
    pauses: Mapped[list[Any]] = mapped_column(default=list)
    workaround_at: Mapped[datetime | None] = mapped_column()
    # set on cancel/close: nothing is checked any more
    stopped_at: Mapped[datetime | None] = mapped_column()


class TicketSlaTarget(Base):
    """One target of a ticket's clock; `next_check_at` is what the sweep looks for."""

    __tablename__ = "ticket_sla_targets"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target", name="uq_ticket_sla_targets_ticket_target"),
        # the sweep reads `next_check_at <= now ORDER BY next_check_at`: NULL (nothing pending) stays out of range
        Index("ix_ticket_sla_targets_next_check", "next_check_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket_sla.ticket_id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column()
    warn_at: Mapped[datetime] = mapped_column()
    met_at: Mapped[datetime | None] = mapped_column()
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    warned_at: Mapped[datetime | None] = mapped_column()
    breach_notified_at: Mapped[datetime | None] = mapped_column()
    next_check_at: Mapped[datetime | None] = mapped_column()
    # reaction only: half its time used, the coordinator of a still unassigned ticket is pinged once
    ping_at: Mapped[datetime | None] = mapped_column()
    pinged_at: Mapped[datetime | None] = mapped_column()

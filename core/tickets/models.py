"""Tickets with their comments, attachments and history."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.text import search_key

NUMBER_PREFIX = "SD-"
_NUMBER_RE = re.compile(r"^\s*(?:SD)?[-\s№#]*0*(\d{1,12})\s*$", re.IGNORECASE)


def ticket_number(ticket_id: int) -> str:
    """«SD-000042» for id 42."""
    return f"{NUMBER_PREFIX}{ticket_id:06d}"


def parse_number(text: str) -> int | None:
    """The id behind «SD-000042», «sd42», «№42» or «42»; None when it is not a ticket number."""
    m = _NUMBER_RE.match(text)
    return int(m.group(1)) if m else None


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_line", "status", "line"),
        Index("ix_tickets_requester", "requester_id", "id"),
        # /stats: a group's tickets registered or closed in a day; the curator's pending access requests
        Index("ix_tickets_line_created", "line", "created_at"),
        Index("ix_tickets_line_closed", "line", "closed_at"),
        Index("ix_tickets_approval", "approval"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    line: Mapped[str] = mapped_column(ForeignKey("line_groups.code"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    title: Mapped[str] = mapped_column(String(300), default="")
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    missing_fields: Mapped[list[Any]] = mapped_column(default=list)
    closing_code: Mapped[str | None] = mapped_column(String(64))
    solution: Mapped[str | None] = mapped_column(Text)
    workaround: Mapped[str | None] = mapped_column(Text)
    config_item: Mapped[str | None] = mapped_column(String(200))
    outage_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # the announced release whose installation resolves the ticket (003 «Решение обращения»); planned_works.id
    release_id: Mapped[int | None] = mapped_column(Integer, index=True)
    pending_question: Mapped[str | None] = mapped_column(Text)
    # ТЕКОН (002 §4–§5): ОП3 the matching incident found in the internal database, ОП4 the one ТП2 opens there
    internal_incident: Mapped[str | None] = mapped_column(String(100))
    # an access request and the МРФ curator (003): None (not needed), pending, approved, rejected, no_curator
    approval: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None] = mapped_column()
    # optimistic lock: two staff pressing «Взять» at once cannot both win
    version: Mapped[int] = mapped_column(Integer, default=1)
    # title and details casefolded (core.text.search_key), kept by the mapper events below: the full-text search
    search_text: Mapped[str | None] = mapped_column(Text)
    # the intake dialog's key: an «Отправить» handled twice (a retried update after a crash) finds this ticket
    intake_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    __mapper_args__ = {"version_id_col": version}

    @property
    def number(self) -> str | None:
        """The human-friendly number, derived from the id so registration needs no second write."""
        return ticket_number(self.id) if self.id is not None else None

    history: Mapped[list[TicketHistory]] = relationship(
        back_populates="ticket", order_by="TicketHistory.id", cascade="all, delete-orphan", lazy="raise"
    )


@event.listens_for(Ticket, "before_insert")
@event.listens_for(Ticket, "before_update")
def _ticket_search_text(_mapper: object, _conn: object, ticket: Ticket) -> None:
    ticket.search_text = search_key(ticket.title, ticket.fields)


class TicketHistory(Base):
    __tablename__ = "ticket_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ticket: Mapped[Ticket] = relationship(back_populates="history")


class Comment(Base):
    __tablename__ = "ticket_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    __tablename__ = "ticket_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[str] = mapped_column(String(300))
    file_unique_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300), default="")
    mime: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    # photo, voice, audio or document: a file id goes back only with its own kind's method (None: older rows,
    # a photo by its name, else a document)
    kind: Mapped[str | None] = mapped_column(String(16))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_comments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClosingCode(Base):
    """A closing code (003 «Решение обращения»: «Код закрытия» — how the ticket was solved); a catalog."""

    __tablename__ = "closing_codes"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ConfigItem(Base):
    """A configuration item (003: «Конфигурационная единица» — the class of the problem), of one service or shared."""

    __tablename__ = "config_items"
    __table_args__ = (UniqueConstraint("name", "service_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service_code: Mapped[str | None] = mapped_column(String(32), index=True)  # None: every service
    active: Mapped[bool] = mapped_column(Boolean, default=True)

"""Staff invitations, line chats (a Telegram group bound to a support group) and ticket cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

ALL_SERVICES = ""  # LineChat.service_code of a chat that serves the group for every service


class StaffInvitation(Base):
    """A one-use, expiring code that links the Telegram account opening it to a staff record."""

    __tablename__ = "staff_invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    line_code: Mapped[str] = mapped_column(ForeignKey("line_groups.code"))
    # an existing staff record to link; None: a new record in line_code with these roles
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_service_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    curator_region: Mapped[str | None] = mapped_column(String(100))
    curator_services: Mapped[list[Any]] = mapped_column(default=list)  # the systems they curate (003)
    full_name: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    used_by_tg_id: Mapped[int | None] = mapped_column(BigInteger)
    used_staff_id: Mapped[int | None] = mapped_column(Integer)


class ChatStatus:
    active = "active"
    broken = "broken"  # the bot was removed or lost its rights: messages for it wait


class LineChat(Base):
    """The one place where a support group's Telegram chat is kept (per service, or for all its services)."""

    __tablename__ = "line_chats"
    __table_args__ = (UniqueConstraint("group_code", "service_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    group_code: Mapped[str] = mapped_column(ForeignKey("line_groups.code", ondelete="CASCADE"))
    # ALL_SERVICES (empty, not NULL, so the unique constraint holds on every database) or one service code
    service_code: Mapped[str] = mapped_column(String(32), default=ALL_SERVICES)
    title: Mapped[str] = mapped_column(String(200), default="")
    forum: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=ChatStatus.active)
    reason: Mapped[str | None] = mapped_column(String(300))
    bound_by: Mapped[int | None] = mapped_column(Integer)  # staff id, None when bound through the API
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketCard(Base):
    """The ticket's card in its group's chat; `seq` counts changes, `synced_seq` the one the chat shows."""

    __tablename__ = "ticket_cards"
    __table_args__ = (Index("ix_ticket_cards_dirty", "dirty", "dirty_since"),)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    rendered_hash: Mapped[str | None] = mapped_column(String(64))
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)
    dirty_since: Mapped[datetime | None] = mapped_column()
    seq: Mapped[int] = mapped_column(Integer, default=1)
    synced_seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TopicStatus:
    creating = "creating"  # claimed: one process is asking Telegram for the topic now
    open = "open"
    gone = "gone"  # Telegram said «message thread not found»: recreated on the next card sync


class ForumTopic(Base):
    """A ticket's topic in a forum line chat: one row per ticket (the primary key), so one topic is created."""

    __tablename__ = "forum_topics"
    __table_args__ = (UniqueConstraint("chat_id", "thread_id"),)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # the topic's message_thread_id, None until created
    status: Mapped[str] = mapped_column(String(16), default=TopicStatus.creating)
    name: Mapped[str] = mapped_column(String(128), default="")
    icon_color: Mapped[int | None] = mapped_column(Integer)
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # closed in Telegram
    # closed by hand: the ticket's «status:assignee» then (topics.work_mark); the topic is reopened once it differs
    closed_mark: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

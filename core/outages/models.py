"""An outage of one or more services, and the users who subscribed to (or were added to) a service's audience."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class OutageStatus:
    open = "open"
    restored = "restored"


class Outage(Base):
    __tablename__ = "outages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    what: Mapped[str] = mapped_column(String(2000), default="")  # what does not work
    services: Mapped[list[Any]] = mapped_column(default=list)  # service codes
    status: Mapped[str] = mapped_column(String(16), default=OutageStatus.open, index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expected_at: Mapped[datetime | None] = mapped_column()  # expected restoration, if known
    restored_at: Mapped[datetime | None] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(Text)
    # a problem (unknown root cause) recorded for this outage and its incidents
    problem: Mapped[str | None] = mapped_column(Text)
    declared_by: Mapped[str | None] = mapped_column(String(200))
    restored_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceSubscription(Base):
    """A user in a service's audience beyond their own reports: subscribed in the bot, or added by an admin.

    Outages of a service always reach its audience; `releases` is the one thing a user can turn off.
    """

    __tablename__ = "service_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "service_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    service_code: Mapped[str] = mapped_column(String(32), index=True)
    source: Mapped[str] = mapped_column(String(16), default="user")  # user | admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # off: outages only while they use it
    releases: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

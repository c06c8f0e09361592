"""Service catalog, organisations, users and staff."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.text import search_key


class LineGroup(Base):
    """A support group: its line level (line1/line2/line3/dev) and the service it belongs to.

    Its Telegram chats are bound in `line_chats` (core/staffdesk): the one place chat ids are kept.

    A group without a service is shared: the desk's 1ЛТП, and the default groups of a service that names none.
    """

    __tablename__ = "line_groups"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    order: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[str] = mapped_column(String(8), default="line2")
    service_code: Mapped[str | None] = mapped_column(String(32), index=True)


class Service(Base):
    __tablename__ = "services"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    sla_policy: Mapped[str] = mapped_column(String(32), default="nttm")
    calendar: Mapped[str] = mapped_column(String(32), default="msk-business")
    requires_contract: Mapped[bool] = mapped_column(Boolean, default=False)
    # request type -> ordered list of intake field keys; a type missing here uses the defaults
    intake: Mapped[dict[str, Any]] = mapped_column(default=dict)
    request_types: Mapped[list[Any]] = mapped_column(default=list)
    # request type -> code of the group that first gets it; a type missing here goes to the level of FIRST_LINE
    routing: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # request type -> the priority it always has (ТЕКОН: the assistance level follows the kind of request)
    type_priority: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # an unconfirmed resolution closes itself only where an administrator turned this on
    autoclose: Mapped[bool] = mapped_column(Boolean, default=False)
    # only the requester's confirmation closes a ticket (ТЕКОН 002: «получение подтверждения о решении»)
    confirmation_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # the other ways to reach the desk the regulation gives (phones, e-mail, portals), shown in /help
    channels: Mapped[list[Any]] = mapped_column(default=list)
    # the information notices by e-mail (003 «Рассылка уведомлений»): their subject and sender; empty: «Информационное
    # письмо <name>» from SMTP_FROM
    notice_subject: Mapped[str | None] = mapped_column(String(300))
    notice_from: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    inn: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    periods: Mapped[list[SupportPeriod]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", lazy="selectin",
        order_by="SupportPeriod.valid_from",
    )


class SupportPeriod(Base):
    __tablename__ = "support_periods"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    service_code: Mapped[str | None] = mapped_column(String(32))  # None: every contract-bound service
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    organisation: Mapped[Organisation] = relationship(back_populates="periods")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tg_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    full_name: Mapped[str] = mapped_column(String(300), default="")
    # unique whatever the case: see the indexes below the class and core/catalog/people.py
    login: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    locale: Mapped[str | None] = mapped_column(String(8))
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # ФИО, login and e-mail casefolded (core.text.search_key), kept by the mapper events below: line 1's search
    search_text: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[Organisation | None] = relationship(lazy="selectin")


def user_search_text(user: User) -> str:
    """What line 1's people search looks in."""
    return search_key(user.full_name, user.login, user.email)


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _user_search_text(_mapper: object, _conn: object, user: User) -> None:
    user.search_text = user_search_text(user)


# one person per login and per e-mail, enforced by the database (NULLs never collide)
Index("uq_users_lower_login", func.lower(User.login), unique=True)
Index("uq_users_lower_email", func.lower(User.email), unique=True)


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("user_id", "line_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    line_code: Mapped[str] = mapped_column(ForeignKey("line_groups.code"))
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_service_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    curator_region: Mapped[str | None] = mapped_column(String(100))
    # the systems this МРФ curator approves access to (003: «Список кураторов от МРФ по Системе»); none: no system
    curator_services: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    user: Mapped[User] = relationship(lazy="joined")
    group: Mapped[LineGroup] = relationship(lazy="joined")

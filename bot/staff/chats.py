"""Where staff are reached: a support group's chat and staff members' private chats.

The group chat lookup is this one function (`group_chat`), so where bindings are kept can change in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.intake import same_region
from core.catalog.models import LineGroup, Service, Staff, User
from core.staffdesk import chats as staffdesk_chats


@dataclass(frozen=True, slots=True)
class Person:
    """A staff member's private chat: who, in which language."""

    staff_id: int
    user_id: int
    chat_id: int
    locale: str


async def group_chat(session: AsyncSession, *, service_id: int | None, line: str) -> int | None:
    """The chat of a ticket's group (core/staffdesk's binding; None when unbound or broken)."""
    service = await session.get(Service, service_id) if service_id is not None else None
    return await staffdesk_chats.chat_for(session, group_code=line, service_code=service.code if service else "")


def _person(staff: Staff) -> Person | None:
    user: User = staff.user
    if user.tg_id is None or user.unreachable:
        return None
    return Person(staff_id=staff.id, user_id=user.id, chat_id=user.tg_id,
                  locale=user.locale if user.locale in ("ru", "en") else "ru")


def _people(rows: Iterable[Staff]) -> list[Person]:
    seen: dict[int, Person] = {}
    for staff in rows:
        p = _person(staff)
        if p is not None:
            seen.setdefault(p.chat_id, p)  # one person in two groups is told once
    return list(seen.values())


async def people(session: AsyncSession, staff_ids: Iterable[int | None]) -> list[Person]:
    """The private chats of these staff members (active, linked to Telegram, reachable)."""
    ids = {i for i in staff_ids if i is not None}
    if not ids:
        return []
    rows = (await session.scalars(select(Staff).where(Staff.id.in_(ids), Staff.active.is_(True)))).all()
    return _people(rows)


async def coordinators(session: AsyncSession, *, line: str) -> list[Person]:
    """The coordinators of a support group."""
    rows = (await session.scalars(select(Staff).where(Staff.line_code == line, Staff.is_coordinator.is_(True),
                                                      Staff.active.is_(True)).order_by(Staff.id))).all()
    return _people(rows)


async def service_managers(session: AsyncSession, *, service_id: int) -> list[Person]:
    """The service managers of a service: members of its own groups or of the shared ones (000)."""
    service = await session.get(Service, service_id)
    code = service.code if service is not None else None
    rows = (await session.scalars(
        select(Staff).join(LineGroup, LineGroup.code == Staff.line_code)
        .where(Staff.is_service_manager.is_(True), Staff.active.is_(True),
               or_(LineGroup.service_code == code, LineGroup.service_code.is_(None)))
        .order_by(Staff.id))).all()
    return _people(rows)


async def curators(session: AsyncSession, *, region: str | None) -> list[Person]:
    """The МРФ curators of a region (as core.catalog.intake.same_region compares them)."""
    if not region or not region.strip():
        return []
    rows = (await session.scalars(select(Staff).where(Staff.curator_region.is_not(None), Staff.active.is_(True))
                                  .order_by(Staff.id))).all()
    return _people(s for s in rows if same_region(s.curator_region, region))

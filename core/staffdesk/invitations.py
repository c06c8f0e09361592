"""Staff invitations: an administrator (or a coordinator) makes a code; the Telegram account opening
`https://t.me/<bot>?start=<code>` is linked to the staff record. One use; expires."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from core.catalog.models import LineGroup, Staff, User
from core.catalog.service import curator_systems
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.staffdesk.models import StaffInvitation
from core.uow import UnitOfWork

PREFIX = "inv_"  # a deep-link payload: [A-Za-z0-9_-], at most 64 characters


@dataclass(frozen=True, slots=True)
class Invitation:
    id: int
    code: str
    line_code: str
    staff_id: int | None
    is_coordinator: bool
    is_service_manager: bool
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Linked:
    staff_id: int
    line_code: str
    group_name: str
    is_coordinator: bool


def link(bot_username: str | None, code: str) -> str | None:
    """The deep link that opens the bot with this code; None while the bot's username is unknown."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}" if bot_username else None


async def create(*, uow: UnitOfWork, line_code: str | None = None, staff_id: int | None = None,
                 is_coordinator: bool = False, is_service_manager: bool = False, curator_region: str | None = None,
                 curator_services: Sequence[str] = (), full_name: str = "", hours: float,
                 now: datetime | None = None) -> Invitation:
    """Makes a one-use code for an existing staff record, or for a new one in `line_code` with these roles."""
    now = now or utcnow()
    async with uow:
        if staff_id is not None:
            staff = await uow.session.get(Staff, staff_id)
            if staff is None:
                raise NotFound(f"staff member {staff_id} not found")
            line_code, is_coordinator = staff.line_code, staff.is_coordinator
            is_service_manager, curator_region = staff.is_service_manager, staff.curator_region
            curator_services = list(staff.curator_services or [])
        if not line_code or await uow.session.get(LineGroup, line_code) is None:
            raise ValidationFailed(f"unknown group '{line_code}'",
                                   fields={"line_code": "Группа: код одной из групп поддержки"})
        inv = StaffInvitation(code=PREFIX + secrets.token_urlsafe(18), line_code=line_code, staff_id=staff_id,
                              is_coordinator=is_coordinator, is_service_manager=is_service_manager,
                              curator_region=curator_region,
                              curator_services=await curator_systems(uow, curator_services),
                              full_name=full_name.strip(), created_at=now,
                              expires_at=now + timedelta(hours=hours))
        uow.session.add(inv)
        await uow.commit()
        return Invitation(id=inv.id, code=inv.code, line_code=line_code, staff_id=staff_id,
                          is_coordinator=is_coordinator, is_service_manager=is_service_manager,
                          expires_at=inv.expires_at)


async def accept(*, uow: UnitOfWork, code: str, tg_id: int, tg_name: str = "",
                 now: datetime | None = None) -> Linked:
    """Links the Telegram account `tg_id` to the invitation's staff record; Conflict when used or expired."""
    now = now or utcnow()
    async with uow:
        inv = await uow.session.scalar(select(StaffInvitation).where(StaffInvitation.code == code))
        if inv is None:
            raise NotFound("invitation not found")
        if inv.used_at is not None:
            raise Conflict("the invitation has already been used", reason="used")
        if inv.expires_at <= now:
            raise Conflict("the invitation has expired", reason="expired")
        # one use even when two people open the link at once: only the update that finds it unused wins
        won = await uow.session.execute(update(StaffInvitation).where(
            StaffInvitation.id == inv.id, StaffInvitation.used_at.is_(None)).values(used_at=now, used_by_tg_id=tg_id))
        if getattr(won, "rowcount", 1) != 1:
            raise Conflict("the invitation has already been used", reason="used")
        user = await uow.session.scalar(select(User).where(User.tg_id == tg_id))
        if user is None:
            user = User(tg_id=tg_id, full_name=inv.full_name or tg_name)
            uow.session.add(user)
            await uow.session.flush()
        staff = await _staff_for(uow, inv, user)
        if inv.full_name and not user.full_name:
            user.full_name = inv.full_name
        inv.used_staff_id = staff.id
        group = await uow.session.get(LineGroup, staff.line_code)
        await uow.commit()
        return Linked(staff_id=staff.id, line_code=staff.line_code, group_name=group.name if group else "",
                      is_coordinator=staff.is_coordinator)


async def _staff_for(uow: UnitOfWork, inv: StaffInvitation, user: User) -> Staff:
    s = uow.session
    if inv.staff_id is None:
        staff = await s.scalar(select(Staff).where(Staff.user_id == user.id, Staff.line_code == inv.line_code))
        if staff is None:
            staff = Staff(user_id=user.id, line_code=inv.line_code)
            s.add(staff)
        staff.is_coordinator, staff.is_service_manager = inv.is_coordinator, inv.is_service_manager
        staff.curator_region, staff.active = inv.curator_region, True
        staff.curator_services = list(inv.curator_services or [])
        await s.flush()
        return staff
    staff = await s.get(Staff, inv.staff_id)
    if staff is None:
        raise NotFound("the staff record of this invitation no longer exists")
    person = await s.get(User, staff.user_id)
    assert person is not None  # a foreign key
    if person.id == user.id:
        return staff
    if person.tg_id is not None:
        raise Conflict("this staff record is linked to another Telegram account", reason="taken")
    await _merge_into(uow, source=person, target=user)
    return staff


async def _merge_into(uow: UnitOfWork, *, source: User, target: User) -> None:
    """The record made by an administrator (no Telegram id) joins the person who opened the link."""
    s = uow.session
    await s.execute(update(Staff).where(Staff.user_id == source.id).values(user_id=target.id))
    moved = {k: getattr(source, k) for k in ("login", "email") if getattr(source, k) and not getattr(target, k)}
    for key in moved:
        setattr(source, key, None)  # the unique login/e-mail is freed before the target takes it
    await s.flush()
    for key, value in moved.items():
        setattr(target, key, value)
    for key in ("full_name", "region"):
        if getattr(source, key) and not getattr(target, key):
            setattr(target, key, getattr(source, key))
    if source.full_name:
        target.full_name = source.full_name  # the administrator's spelling beats the Telegram display name

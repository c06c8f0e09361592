"""Who may declare and restore outages and announce works from a line chat: line 1 for every service, and the
groups a regulation gives that role for their own service (001 Дежурная смена CRM, 004 CLM's группа управления
инцидентами, 003 NTTM's 2ЛТП)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.catalog.models import LineGroup, Service, Staff, User
from core.staffdesk.chats import by_chat
from core.staffdesk.models import ChatStatus
from core.uow import UnitOfWork

FIRST_LINE = "line1"
# 003 «Рассылка уведомлений»: «Информационная рассылка для пользователей Системы осуществляется 2ЛТП»
# (releases, works, unplanned unavailability, restoration); NTTM's 2ЛТП is the shared line2 group its routing names
INCIDENT_GROUPS = {"crm-duty": "crm-b2c", "clm-incidents": "clm", "line2": "nttm"}


@dataclass(frozen=True, slots=True)
class Declarer:
    staff_id: int
    name: str
    services: list[tuple[str, str]]  # (code, name) of the services this person may declare outages for


async def declarer_in_chat(*, uow: UnitOfWork, chat_id: int, tg_id: int) -> Declarer | None:
    """The staff member behind this Telegram account in this bound chat, if their group may declare outages."""
    async with uow:
        s = uow.session
        row = await by_chat(s, chat_id)
        if row is None or row.status != ChatStatus.active:
            return None
        group = await s.get(LineGroup, row.group_code)
        if group is None or (group.level != FIRST_LINE and group.code not in INCIDENT_GROUPS):
            return None
        staff = await s.scalar(select(Staff).join(User, User.id == Staff.user_id).where(
            Staff.active.is_(True), Staff.line_code == group.code, User.tg_id == tg_id).limit(1))
        if staff is None:
            return None
        user = await s.get(User, staff.user_id)
        q = select(Service.code, Service.name).where(Service.active.is_(True)).order_by(Service.code)
        if group.code in INCIDENT_GROUPS:
            q = q.where(Service.code == INCIDENT_GROUPS[group.code])
        services = [(str(c), str(n)) for c, n in (await s.execute(q)).all()]
        return Declarer(staff_id=staff.id, name=(user.full_name if user and user.full_name else f"staff:{staff.id}"),
                        services=services)

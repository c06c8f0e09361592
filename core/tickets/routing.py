"""Which support group gets a ticket: the service's routing per type, then its group of the line level.

`Ticket.line` holds a group code. A group has a line level (line1/line2/line3/dev) and belongs to one service
or to none (shared: the desk's 1ЛТП, and the default groups of a service that names none of that level).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.intake import FIRST_LINE, LEVELS
from core.catalog.models import LineGroup, Service
from core.errors import ValidationFailed


async def group_at(session: AsyncSession, *, service_code: str, level: str) -> LineGroup | None:
    """The service's first group of a line level, else the shared group of that level."""
    rows = (await session.scalars(
        select(LineGroup).where(LineGroup.level == level,
                                (LineGroup.service_code == service_code) | LineGroup.service_code.is_(None))
        .order_by(LineGroup.service_code.is_(None), LineGroup.order))).all()
    return rows[0] if rows else None


async def first_group(session: AsyncSession, *, service: Service, request_type: str) -> str:
    """The code of the group that first gets a new ticket of this type."""
    routed = (service.routing or {}).get(request_type)
    if routed:
        return str(routed)
    group = await group_at(session, service_code=service.code, level=FIRST_LINE[request_type])
    if group is None:
        raise ValidationFailed(f"no group of level {FIRST_LINE[request_type]} for '{service.code}'",
                               fields={"routing": f"Маршрутизация: нет группы для вида «{request_type}»"})
    return group.code


async def target_group(session: AsyncSession, *, service_code: str, to: str) -> LineGroup | None:
    """A group named by code (of this service or shared), or by line level (resolved for the service)."""
    if to in LEVELS:
        return await group_at(session, service_code=service_code, level=to)
    group = await session.get(LineGroup, to)
    if group is None or group.service_code not in (None, service_code):
        return None
    return group

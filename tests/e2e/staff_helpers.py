"""Helpers of the staff e2e tests: bound group chats, staff members, tickets registered at explicit instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from core.catalog import service as catalog
from core.catalog.models import Staff
from core.sla.sweep import sweep
from core.staffdesk import chats as staffdesk_chats
from core.tickets import service as tickets
from core.tickets.models import Ticket
from tests.e2e.harness import BotHarness
from tests.factories import INCIDENT_FIELDS

MSK = timezone(timedelta(hours=3))
LINE2_CHAT = -1_001_000_002
LINE1_CHAT = -1_001_000_001


def msk(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Moscow wall time in November 2026 (Tue 24 is a working day), as UTC."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=MSK).astimezone(UTC)


async def bind(h: BotHarness, line: str, chat_id: int) -> None:
    await staffdesk_chats.bind(uow=h.root.uow(), chat_id=chat_id, group_code=line, service_code=None)
    h.session.chat_types[chat_id] = "supergroup"


async def staff(h: BotHarness, tg_id: int, *, line: str = "line2", locale: str | None = None,
                **flags: Any) -> Staff:
    member = await catalog.create_staff(uow=h.root.uow(), line_code=line,
                                        user={"tg_id": tg_id, "full_name": f"Сотрудник {tg_id}"}, **flags)
    if locale is not None:
        await catalog.upsert_user(uow=h.root.uow(), tg_id=tg_id, locale=locale)
    return member


async def register(h: BotHarness, requester_id: int, *, at: datetime, priority: int = 3,
                   service: str = "nttm", **fields: Any) -> Ticket:
    return await tickets.register(uow=h.root.uow(), service_code=service, request_type="incident",
                                  priority=priority, requester_id=requester_id,
                                  fields={**INCIDENT_FIELDS, **fields}, now=at)


async def sweep_at(h: BotHarness, now: datetime) -> int:
    return await sweep(uow=h.root.uow(), now=now)

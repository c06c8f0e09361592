"""Helpers for SLA integration tests: tickets registered and acted on at explicit instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from core.tickets import service as tickets
from core.tickets.models import Ticket
from core.tickets.service import Actor
from tests.factories import INCIDENT_FIELDS

MSK = timezone(timedelta(hours=3))


def msk(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """An instant given in Moscow wall time in November 2026 (no holidays after the 4th), as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=MSK).astimezone(UTC)


async def register(root: Any, requester_id: int, *, at: datetime, priority: int = 3,
                   service: str = "nttm") -> Ticket:
    return await tickets.register(uow=root.uow(), service_code=service, request_type="incident", priority=priority,
                                  requester_id=requester_id, fields=dict(INCIDENT_FIELDS), now=at)


async def act(root: Any, ticket_id: int, action: str, actor: Actor, at: datetime, **params: Any) -> Ticket:
    return await tickets.apply_action(uow=root.uow(), ticket_id=ticket_id, action=action, actor=actor,
                                      params=params, now=at)

"""An unconfirmed resolution closes itself after 3 working days of msk-business, saying so."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import wiring_tickets
from core.catalog import service as catalog
from core.outbox.models import OutboxEvent
from core.tickets import service as tickets
from core.tickets.autoclose import autoclose
from core.tickets.service import Actor
from tests import factories as f

MSK = ZoneInfo("Europe/Moscow")


async def _resolved_at(root, when: datetime):
    # no regulation has auto-closing: an administrator turns it on for the service
    await catalog.update_service(uow=root.uow(), code="nttm", changes={"autoclose": True})
    u = await f.user(root)
    s = await f.staff(root)
    t = await f.incident(root, u)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", s.id), now=when)
    return await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="resolve", actor=Actor("staff", s.id),
                                      params={"text": "Перезапущен сервис", **f.CLOSING}, now=when)


async def test_resolution_closes_after_exactly_three_working_days(root) -> None:
    # Mon 23.11.2026 10:00 MSK: Mon 10–18 (8 h) + Tue 13 h + Wed 13 h + Thu 05–10 (5 h) = 39 h = 3 × 13 h
    t = await _resolved_at(root, datetime(2026, 11, 23, 10, 0, tzinfo=MSK))
    assert await autoclose(uow_factory=root.uow, working_days=3, now=datetime(2026, 11, 26, 9, 59, tzinfo=MSK)) == 0
    assert await autoclose(uow_factory=root.uow, working_days=3, now=datetime(2026, 11, 26, 10, 0, tzinfo=MSK)) == 1
    closed, hist = await tickets.get(uow=root.uow(), ticket_id=t.id)
    # closed with what the resolution gave (003 «Решение обращения»), by the system
    assert (closed.status, closed.closing_code, closed.solution, closed.config_item) == (
        "closed", "resolved", "Перезапущен сервис", "Данные / NTTM")
    assert hist[-1].actor_kind == "system" and hist[-1].action == "close"
    async with root.session_factory() as s:
        ev = (await s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "ticket.close"))).one()
    assert ev.payload["actor_kind"] == "system" and ev.payload["ticket_id"] == t.id
    # a second pass finds nothing more
    assert await autoclose(uow_factory=root.uow, working_days=3, now=datetime(2026, 11, 30, 10, 0, tzinfo=MSK)) == 0


async def test_weekend_does_not_count(root) -> None:
    # Fri 27.11.2026 17:00 MSK: Fri 1 h + Mon 13 h + Tue 13 h + Wed 12 h (05–17) = 39 h → Wed 02.12 17:00
    await _resolved_at(root, datetime(2026, 11, 27, 17, 0, tzinfo=MSK))
    assert await autoclose(uow_factory=root.uow, working_days=3, now=datetime(2026, 12, 2, 16, 59, tzinfo=MSK)) == 0
    assert await autoclose(uow_factory=root.uow, working_days=3, now=datetime(2026, 12, 2, 17, 0, tzinfo=MSK)) == 1


async def test_confirmed_ticket_is_left_alone(root) -> None:
    t = await _resolved_at(root, datetime(2026, 11, 23, 10, 0, tzinfo=MSK))
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="confirm", actor=Actor("user", t.requester_id),
                               now=datetime(2026, 11, 24, 10, 0, tzinfo=MSK))
    assert await autoclose(uow_factory=root.uow, working_days=3, now=datetime(2026, 12, 1, 10, 0, tzinfo=MSK)) == 0


async def test_autoclose_job_is_registered(root) -> None:
    wiring_tickets._register(root)
    job = root.scheduler.get_job(wiring_tickets.JOB_ID)
    assert job is not None and job.max_instances == 1

"""The SLA sweep: each warning and breach written once, also by concurrent runs; paused clocks stay quiet."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core.outbox.models import OutboxEvent
from core.sla.models import TicketSlaTarget
from core.sla.sweep import sweep
from core.tickets.service import Actor
from tests import factories as f
from tests.integration.sla.conftest import act, msk, register


async def _events(root, topic: str) -> list[OutboxEvent]:
    async with root.session_factory() as s:
        return list((await s.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic)
                                     .order_by(OutboxEvent.id))).all())


async def _twice(root, now) -> int:
    results = await asyncio.gather(sweep(uow=root.uow(), now=now), sweep(uow=root.uow(), now=now))
    return sum(results)


async def test_each_warning_and_breach_once_across_concurrent_and_repeated_runs(root) -> None:
    u = await f.user(root)
    ids = [(await register(root, u.id, at=msk(24, 10))).id for _ in range(3)]
    # half the reaction time is used at 10:30: the coordinator of each unassigned ticket is pinged, once
    assert await _twice(root, msk(24, 10, 44)) == 3
    assert sorted(e.ticket_id for e in await _events(root, "sla.ping")) == ids
    # reaction is 1 working hour: 75 % is used at 10:45
    assert await _twice(root, msk(24, 10, 46)) == 3
    assert await sweep(uow=root.uow(), now=msk(24, 10, 47)) == 0
    warnings = await _events(root, "sla.warning")
    assert sorted(e.ticket_id for e in warnings) == ids
    assert {e.payload["target"] for e in warnings} == {"reaction"}
    p = warnings[0].payload
    assert p["due_at"] == msk(24, 11).isoformat() and p["requester_id"] == u.id and p["line"] == "line2"
    assert await _twice(root, msk(24, 11, 1)) == 3
    assert await sweep(uow=root.uow(), now=msk(24, 11, 2)) == 0
    breaches = await _events(root, "sla.breach")
    assert sorted(e.ticket_id for e in breaches) == ids and {e.payload["target"] for e in breaches} == {"reaction"}
    async with root.session_factory() as s:
        flags = (await s.scalars(select(TicketSlaTarget.breached).where(TicketSlaTarget.target == "reaction"))).all()
    assert flags == [True, True, True]
    assert len(await _events(root, "sla.warning")) == 3


async def test_a_late_sweep_writes_the_breach_without_the_superseded_warning(root) -> None:
    u = await f.user(root)
    t = await register(root, u.id, at=msk(24, 10))
    # at Wed 12:00 reaction (Tue 11:00) and diagnosis (Wed 10:00) are breached: their warnings are not sent any more
    # (the coordinator's ping about the unassigned ticket still is)
    assert await sweep(uow=root.uow(), now=msk(25, 12)) == 3
    # workaround is 26 working hours; 75 % = 19.5 h = 8 h on Tue + 11.5 h on Wed -> Wed 16:30
    assert await sweep(uow=root.uow(), now=msk(25, 16, 29)) == 0
    assert await sweep(uow=root.uow(), now=msk(25, 16, 30)) == 1
    kinds = sorted((e.topic, e.payload["target"]) for e in await _events(root, "sla.breach")
                   + await _events(root, "sla.warning"))
    assert kinds == [("sla.breach", "diagnosis"), ("sla.breach", "reaction"), ("sla.warning", "workaround")]
    assert all(e.ticket_id == t.id for e in await _events(root, "sla.breach"))


async def test_paused_ticket_is_neither_warned_nor_breached(root) -> None:
    u, s = await f.user(root), await f.staff(root)
    t = await register(root, u.id, at=msk(24, 10))
    await act(root, t.id, "take", Actor("staff", s.id), msk(24, 10, 5))
    await act(root, t.id, "request_info", Actor("staff", s.id), msk(24, 10, 30), text="Уточните")
    assert await _twice(root, msk(1, 12, month=12)) == 0
    # answered a week later: 0.5 h had been used, so diagnosis is due 12.5 working hours after Tue 1 Dec 12:00
    await act(root, t.id, "user_answers", Actor("user", u.id), msk(1, 12, month=12), text="Вот")
    assert await sweep(uow=root.uow(), now=msk(1, 12, 1, month=12)) == 0
    async with root.session_factory() as s2:
        pending = await s2.scalar(select(func.count()).select_from(TicketSlaTarget)
                                  .where(TicketSlaTarget.next_check_at.is_not(None)))
    assert pending == 3


async def test_alarm_outside_the_working_calendar_waits_for_the_opening(root) -> None:
    u = await f.user(root)
    t = await register(root, u.id, at=msk(24, 10), priority=4)
    # P4 on msk-business (05:00–18:00): the ping instant (Tue 16:30) found at Wed 03:00 is held until 05:00
    assert await sweep(uow=root.uow(), now=msk(25, 3)) == 0
    async with root.session_factory() as s:
        row = await s.scalar(select(TicketSlaTarget).where(TicketSlaTarget.ticket_id == t.id,
                                                           TicketSlaTarget.target == "reaction"))
    assert row is not None and row.pinged_at is None and row.next_check_at is not None
    assert abs((row.next_check_at - msk(25, 5)).total_seconds()) < 2
    assert await sweep(uow=root.uow(), now=msk(25, 5, 1)) == 1
    assert [e.ticket_id for e in await _events(root, "sla.ping")] == [t.id]


async def test_a_deadline_at_the_closing_time_is_told_at_once(root) -> None:
    u = await f.user(root)
    # P3 reaction is one working hour: registered at 17:00 it is due at 18:00, the closing time itself
    t = await register(root, u.id, at=msk(24, 17))
    await act(root, t.id, "take", Actor("staff", (await f.staff(root)).id), msk(24, 17, 1))
    assert await sweep(uow=root.uow(), now=msk(24, 17, 46)) == 0  # reaction met by the take
    t2 = await register(root, u.id, at=msk(24, 17))
    assert await sweep(uow=root.uow(), now=msk(24, 18, 1)) >= 1
    assert {e.payload["target"] for e in await _events(root, "sla.breach") if e.ticket_id == t2.id} == {"reaction"}

"""Ticket clocks on a real database: start, reaction, pauses, priority change, workaround, resolve/reject."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.catalog.models import Service
from core.errors import ValidationFailed
from core.sla import clock
from core.tickets.models import Ticket
from core.tickets.service import Actor
from tests import factories as f
from tests.integration.sla.conftest import act, msk, register


async def _due(root, ticket_id: int) -> dict[str, object]:
    sla = await clock.ticket_sla(uow=root.uow(), ticket_id=ticket_id, now=msk(24, 10))
    return {name: t["due_at"] for name, t in sla["targets"].items()}


async def test_p3_incident_deadlines_computed_by_hand(root) -> None:
    u = await f.user(root)
    # registered Tue 24 Nov 17:30 MSK, 30 working minutes before the 18:00 close
    t = await register(root, u.id, at=msk(24, 17, 30))
    due = await _due(root, t.id)
    # reaction 1 working hour: 30 min on Tue + 30 min from Wed 05:00 -> Wed 05:30
    assert due["reaction"] == msk(25, 5, 30)
    # diagnosis 1 working day (13 h): 0.5 h Tue + 12.5 h Wed -> Wed 17:30
    assert due["diagnosis"] == msk(25, 17, 30)
    # workaround 2 working days (26 h): 0.5 Tue + 13 Wed + 12.5 Thu -> Thu 17:30
    assert due["workaround"] == msk(26, 17, 30)
    # resolution 5 working days (65 h): 0.5 Tue + 13 Wed/Thu/Fri/Mon (52) + 12.5 Tue 1 Dec -> Tue 1 Dec 17:30
    assert due["resolution"] == msk(1, 17, 30, month=12)


async def test_reaction_is_met_by_take_and_not_breached(root) -> None:
    u, s = await f.user(root), await f.staff(root)
    t = await register(root, u.id, at=msk(24, 10))
    await act(root, t.id, "take", Actor("staff", s.id), msk(24, 10, 20))
    sla = await clock.ticket_sla(uow=root.uow(), ticket_id=t.id, now=msk(24, 12))
    reaction = sla["targets"]["reaction"]
    assert reaction["met_at"] == msk(24, 10, 20) and reaction["breached"] is False
    assert reaction["remaining_seconds"] is None
    # diagnosis is due Wed 10:00: from Tue 12:00 that is 6 h on Tue + 5 h on Wed
    assert sla["targets"]["diagnosis"]["remaining_seconds"] == 11 * 3600
    assert set(await clock.deadlines(uow=root.uow(), ticket_id=t.id)) == {"diagnosis", "workaround", "resolution"}


async def test_late_public_staff_comment_meets_reaction_as_breached(root) -> None:
    u, s = await f.user(root), await f.staff(root)
    t = await register(root, u.id, at=msk(24, 10))
    from core.tickets import service as tickets

    await tickets.add_comment(uow=root.uow(), ticket_id=t.id, actor=Actor("staff", s.id), text="внутреннее",
                              public=False, now=msk(24, 10, 30))
    sla = await clock.ticket_sla(uow=root.uow(), ticket_id=t.id, now=msk(24, 10, 31))
    assert sla["targets"]["reaction"]["met_at"] is None  # a private note is not a reaction
    await tickets.add_comment(uow=root.uow(), ticket_id=t.id, actor=Actor("staff", s.id), text="Смотрим",
                              public=True, now=msk(24, 11, 30))
    sla = await clock.ticket_sla(uow=root.uow(), ticket_id=t.id, now=msk(24, 12))
    assert sla["targets"]["reaction"]["met_at"] == msk(24, 11, 30) and sla["targets"]["reaction"]["breached"]


async def test_pause_over_a_weekend_moves_unmet_deadlines_by_exactly_the_paused_working_span(root) -> None:
    u, s = await f.user(root), await f.staff(root)
    t = await register(root, u.id, at=msk(24, 10))
    before = await _due(root, t.id)
    staff, user = Actor("staff", s.id), Actor("user", u.id)
    await act(root, t.id, "take", staff, msk(24, 10, 5))
    # asked Fri 17:00, answered Mon 06:00: 1 working hour on Friday + 1 on Monday are paused
    await act(root, t.id, "request_info", staff, msk(27, 17), text="Пришлите номер наряда")
    paused = await clock.ticket_sla(uow=root.uow(), ticket_id=t.id, now=msk(28, 12))
    assert paused["paused"] is True
    waiting = await clock.deadlines(uow=root.uow(), ticket_id=t.id)
    assert waiting == dict.fromkeys(("diagnosis", "workaround", "resolution"))
    await act(root, t.id, "user_answers", user, msk(30, 6), text="Наряд 7788")
    after = await _due(root, t.id)
    # diagnosis (Wed 25th) and workaround (Thu 26th) were due before the pause: they do not move
    assert after["diagnosis"] == before["diagnosis"] == msk(25, 10)
    assert after["workaround"] == before["workaround"] == msk(26, 10)
    # resolution was Tue 1 Dec 10:00 (8 + 13×4 + 5 h); plus 2 working hours -> 12:00
    assert before["resolution"] == msk(1, 10, month=12) and after["resolution"] == msk(1, 12, month=12)
    assert after["reaction"] == before["reaction"]


async def test_pause_within_a_day_moves_the_chained_targets_by_the_span(root) -> None:
    u, s = await f.user(root), await f.staff(root)
    staff, user = Actor("staff", s.id), Actor("user", u.id)
    # P2 runs on the 24x7 clock: reaction 30 min, diagnosis +1 h, workaround +2 h, resolution +2 h
    t = await register(root, u.id, at=msk(24, 10), priority=2)
    await act(root, t.id, "take", staff, msk(24, 10, 10))
    await act(root, t.id, "request_info", staff, msk(24, 10, 20), text="Логи?")
    await act(root, t.id, "user_answers", user, msk(24, 11, 5), text="Вот")
    due = await _due(root, t.id)
    pause = timedelta(minutes=45)
    assert due["reaction"] == msk(24, 10, 30)  # met before the pause
    assert due["diagnosis"] == msk(24, 11, 30) + pause
    assert due["workaround"] == msk(24, 13, 30) + pause
    assert due["resolution"] == msk(24, 15, 30) + pause


async def test_priority_change_recomputes_from_the_start(root) -> None:
    u, s = await f.user(root), await f.staff(root)
    t = await register(root, u.id, at=msk(24, 10), priority=3)
    assert (await _due(root, t.id))["reaction"] == msk(24, 11)
    await act(root, t.id, "change_priority", Actor("staff", s.id), msk(24, 10, 10), priority=1)
    due = await _due(root, t.id)
    # P1 on 24x7 from the start: 30 min, +1 h, +1 h, +1.5 h
    assert due == {"reaction": msk(24, 10, 30), "diagnosis": msk(24, 11, 30), "workaround": msk(24, 12, 30),
                   "resolution": msk(24, 14)}


async def test_workaround_then_resolve_then_reject(root) -> None:
    u, s = await f.user(root), await f.staff(root)
    staff, user = Actor("staff", s.id), Actor("user", u.id)
    t = await register(root, u.id, at=msk(24, 10), priority=1)
    await act(root, t.id, "take", staff, msk(24, 10, 10))
    await act(root, t.id, "give_workaround", staff, msk(24, 11), text="Перезапустите")
    due = await _due(root, t.id)
    assert due["resolution"] == msk(28, 11)  # P1: 4 days on 24x7 after the workaround
    await act(root, t.id, "resolve", staff, msk(24, 12), text="Исправлено", **f.CLOSING)
    sla = await clock.ticket_sla(uow=root.uow(), ticket_id=t.id, now=msk(24, 13))
    # diagnosis was never marked: resolving implies it, at the same instant (and late: due 11:30)
    assert sla["targets"]["diagnosis"]["met_at"] == msk(24, 12) and sla["targets"]["diagnosis"]["breached"]
    assert sla["targets"]["resolution"]["met_at"] == msk(24, 12)
    await act(root, t.id, "reject", user, msk(24, 14), text="Не работает")
    sla = await clock.ticket_sla(uow=root.uow(), ticket_id=t.id, now=msk(24, 14))
    # the 2 h spent waiting for the confirmation do not count
    assert sla["targets"]["resolution"]["met_at"] is None
    assert sla["targets"]["resolution"]["due_at"] == msk(28, 13)
    await act(root, t.id, "cancel", user, msk(24, 15))
    assert await clock.deadlines(uow=root.uow(), ticket_id=t.id) == {}


async def test_unknown_policy_of_a_service_is_named_not_replaced_by_another(root) -> None:
    # the API refuses such a configuration; a row changed behind its back still does not fall back silently
    async with root.session_factory() as s:
        await s.execute(update(Service).where(Service.code == "clm").values(sla_policy="no-such"))
        await s.commit()
    u = await f.user(root)
    with pytest.raises(ValidationFailed) as err:
        await register(root, u.id, at=msk(24, 10), service="clm")
    assert "no-such" in err.value.fields["sla_policy"]
    async with root.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(Ticket)) == 0


async def test_service_calendar_is_the_one_working_time_counts_on(root) -> None:
    # NTTM P3 reaction is 1 working hour; on a round-the-clock calendar Sunday 10:00 is working time
    async with root.session_factory() as s:
        await s.execute(update(Service).where(Service.code == "clm").values(calendar="24x7"))
        await s.commit()
    u = await f.user(root)
    sunday = msk(29, 10)
    on_24x7 = await register(root, u.id, at=sunday, service="clm")
    on_msk = await register(root, u.id, at=sunday, service="nttm")
    fast = await clock.ticket_sla(uow=root.uow(), ticket_id=on_24x7.id, now=sunday)
    slow = await clock.ticket_sla(uow=root.uow(), ticket_id=on_msk.id, now=sunday)
    assert fast["targets"]["reaction"]["due_at"] == msk(29, 11)
    assert slow["targets"]["reaction"]["due_at"] == msk(30, 6)  # Monday 05:00 + 1 h

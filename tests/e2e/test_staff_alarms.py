"""SLA alarms reach staff: the group's chat, the service managers of P1/P2, the coordinator of an unassigned ticket;
batched per chat, posted once, silent while the ticket's working calendar is closed (frozen clock: the sweep's now)."""

from __future__ import annotations

from core.tickets import service as tickets
from core.tickets.service import Actor
from tests import factories as f
from tests.e2e.harness import BotHarness
from tests.e2e.staff_helpers import LINE2_CHAT, bind, msk, register, staff, sweep_at

UID = 7101
MANAGER, COORDINATOR, MEMBER = 8101, 8102, 8103


async def _setup(h: BotHarness) -> int:
    await bind(h, "line2", LINE2_CHAT)
    await staff(h, MANAGER, is_service_manager=True, line="line1")
    await staff(h, COORDINATOR, is_coordinator=True)
    return (await f.user(h.root, tg_id=UID, login=f"u{UID}")).id


async def test_p1_warning_and_breach_posted_once_each_and_to_the_service_manager(harness: BotHarness) -> None:
    uid = await _setup(harness)
    t = await register(harness, uid, at=msk(24, 10), priority=1, actual="Не открывается карточка клиента")
    # P1: reaction 30 min around the clock; the warning at 75 % = 10:22:30
    assert await sweep_at(harness, msk(24, 10, 23)) == 2  # the warning and the coordinator's ping
    await harness.deliver()
    [warning] = harness.texts(LINE2_CHAT)
    assert warning.startswith("SLA: 🟡 ") and t.number in warning and "реакция: осталось 7 мин" in warning
    assert "Не открывается карточка клиента" in warning
    told, alarm = harness.texts(MANAGER)  # P1: told at registration (bot/staff/urgent.py), then the alarm too
    assert told.startswith(f"🚨 Новый инцидент <b>{t.number}</b>") and alarm == warning
    assert await sweep_at(harness, msk(24, 10, 24)) == 0  # the second sweep writes nothing…
    assert (await harness.deliver()).sent == 0  # …and nothing is posted again
    assert await sweep_at(harness, msk(24, 10, 31)) == 1
    await harness.deliver()
    breach = harness.texts(LINE2_CHAT)[-1]
    assert "🔴" in breach and "реакция: срок истёк в 10:30 24.11, просрочено на 1 мин" in breach
    assert harness.texts(MANAGER)[-1] == breach
    assert await sweep_at(harness, msk(24, 10, 40)) == 0
    assert (await harness.deliver()).sent == 0
    assert len(harness.texts(LINE2_CHAT)) == 2 and len(harness.texts(MANAGER)) == 3


async def test_p3_alarms_stay_in_the_group_chat(harness: BotHarness) -> None:
    uid = await _setup(harness)
    await register(harness, uid, at=msk(24, 10), priority=3)
    assert await sweep_at(harness, msk(24, 10, 46)) == 2  # ping at 10:30, warning at 10:45
    await harness.deliver()
    assert len(harness.texts(LINE2_CHAT)) == 1 and harness.texts(MANAGER) == []


async def test_alarms_falling_due_together_are_one_message_per_chat(harness: BotHarness) -> None:
    uid = await _setup(harness)
    numbers = [(await register(harness, uid, at=msk(24, 10), priority=3)).number for _ in range(3)]
    assert await sweep_at(harness, msk(24, 10, 46)) == 6
    stats = await harness.deliver()
    assert stats.published == stats.events and stats.sent == 2
    [group] = harness.texts(LINE2_CHAT)
    assert group.startswith("SLA: обращений требуют внимания — 3") and all(n in group for n in numbers)
    assert group.count("🟡") == 3
    [ping] = harness.texts(COORDINATOR)
    assert ping.count("👤") == 3 and all(n in ping for n in numbers)


async def test_coordinator_pinged_about_an_unassigned_ticket_only(harness: BotHarness) -> None:
    uid = await _setup(harness)
    member = await staff(harness, MEMBER, locale="en")
    taken = await register(harness, uid, at=msk(24, 10))
    waiting = await register(harness, uid, at=msk(24, 10), actual="Никто не взял")
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=taken.id, action="take",
                               actor=Actor("staff", member.id), now=msk(24, 10, 5))
    assert await sweep_at(harness, msk(24, 10, 31)) == 1
    await harness.deliver()
    [ping] = harness.texts(COORDINATOR)
    assert waiting.number in ping and taken.number not in ping
    assert "никто не взял, прошла половина времени реакции (срок 11:00 24.11)" in ping
    assert harness.texts(LINE2_CHAT) == [] and harness.texts(MEMBER) == []


async def test_no_alarm_at_night_while_the_p4_clock_is_stopped(harness: BotHarness) -> None:
    uid = await _setup(harness)
    t = await register(harness, uid, at=msk(24, 10), priority=4)
    # P4: reaction is one working day (13 h, 05:00–18:00 MSK): half of it is used at 16:30; nobody swept since
    assert await sweep_at(harness, msk(25, 3)) == 0
    await harness.deliver()
    assert harness.texts(COORDINATOR) == [] and harness.texts(LINE2_CHAT) == []
    assert await sweep_at(harness, msk(25, 4, 59)) == 0
    # the calendar opens at 05:00: the ping goes out then, once
    assert await sweep_at(harness, msk(25, 5, 0, 30)) == 1
    await harness.deliver()
    [ping] = harness.texts(COORDINATOR)
    assert t.number in ping
    # the warning (75 % = 8 h on Tue + 1.75 h on Wed = 06:45) comes in working time as usual
    assert await sweep_at(harness, msk(25, 6, 46)) == 1


async def test_a_p1_clock_runs_at_night_and_alarms_at_night(harness: BotHarness) -> None:
    uid = await _setup(harness)
    await register(harness, uid, at=msk(25, 2, 30), priority=1)
    assert await sweep_at(harness, msk(25, 3)) == 2  # the 24×7 warning and ping at 03:00 are wanted
    await harness.deliver()
    assert len(harness.texts(LINE2_CHAT)) == 1


async def test_english_service_manager_reads_english(harness: BotHarness) -> None:
    await bind(harness, "line2", LINE2_CHAT)
    await staff(harness, MANAGER, is_service_manager=True, line="line1", locale="en")
    uid = (await f.user(harness.root, tg_id=UID, login=f"u{UID}")).id
    await register(harness, uid, at=msk(24, 10), priority=2)
    await sweep_at(harness, msk(24, 10, 31))  # P2: reaction 30 min → breached
    await harness.deliver()
    told, text = harness.texts(MANAGER)
    assert told.startswith("🚨 New incident") and "you coordinate it" in told
    assert "reaction: was due at 10:30 24.11, overdue by 1 min" in text
    assert "реакция" in harness.texts(LINE2_CHAT)[0]

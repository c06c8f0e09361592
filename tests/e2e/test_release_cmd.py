"""/release in a line chat: the staff member working on a ticket links it to an announced release of its service
(003 «Решение обращения»), sees the open releases, and takes it off; real Updates, the strict fake Bot API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.callbacks import TicketCb
from core.db import utcnow
from core.planned import service as planned
from core.tickets import service as tickets
from core.tickets.models import Ticket
from tests import factories as f
from tests.e2e.harness import BotHarness

CHAT = -100_520
USER, MEMBER, STRANGER = 7520, 5521, 9521
G = {"chat_type": "supergroup", "chat_id": CHAT}


def _answer(calls: list[Any]) -> str:
    texts = [c.text or "" for c in calls if c.name == "sendMessage" and c.error is None]
    assert texts, [c.name for c in calls]
    return texts[-1]


async def test_a_line_chat_could_not_link_a_ticket_to_a_release(harness: BotHarness) -> None:
    from core.staffdesk import chats

    h = harness
    member = await f.staff(h.root, line="line2", tg_id=MEMBER)
    await chats.bind(uow=h.root.uow(), chat_id=CHAT, group_code="line2", service_code=None)
    h.session.chat_types[CHAT] = "supergroup"
    t = await f.incident(h.root, await f.user(h.root, tg_id=USER))
    await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="take",
                               actor=tickets.Actor("staff", member.id))
    start = utcnow() + timedelta(minutes=30)
    w, _ = await planned.create(uow=h.root.uow(), kind="release", services=["nttm"], title="Релиз 5.4",
                                starts_at=start, ends_at=start + timedelta(hours=1), changes=["Фильтр"],
                                urgent=True, tz=h.root.tz)
    listed = _answer(await h.send_text(MEMBER, f"/release {t.number}", **G))
    assert f"№{w.id} «Релиз 5.4»" in listed
    refused = _answer(await h.send_text(MEMBER, f"/release {t.number} {w.id}", **G))
    assert "Не получилось" in refused and "Конфигурационная единица" in refused
    done = _answer(await h.send_text(MEMBER, f"/release {t.number} {w.id} Интерфейс / NTTM", **G))
    assert f"ждёт релиза №{w.id}" in done
    async with h.root.session_factory() as s:
        row = await s.get(Ticket, t.id)
        assert row is not None and (row.release_id, row.config_item) == (w.id, "Интерфейс / NTTM")
    off = _answer(await h.send_text(MEMBER, f"/release {t.number} off", **G))
    assert "больше не ждёт релиза" in off
    async with h.root.session_factory() as s:
        row = await s.get(Ticket, t.id)
        assert row is not None and row.release_id is None
    assert "/release SD-000042" in _answer(await h.send_text(MEMBER, "/release", **G))
    stranger = _answer(await h.send_text(STRANGER, f"/release {t.number} {w.id} Интерфейс / NTTM", **G))
    assert "для сотрудников группы поддержки" in stranger
    async with h.root.session_factory() as s:
        row = await s.get(Ticket, t.id)
        assert row is not None and row.release_id is None


async def _linked_and_installed(h: BotHarness, *, member_tg: int, user_tg: int, chat: int,
                                staff_locale: str = "ru", user_locale: str = "ru") -> Ticket:
    """A ticket in work in a line chat, linked to a release that is then installed; the cards synced before and
    after, the outbox delivered."""
    from bot.delivery.limiter import RateLimiter
    from bot.staffchat.sync import sync_cards
    from core.catalog.models import Staff, User
    from core.staffdesk import chats

    async def _no_sleep(seconds: float) -> None:
        h.clock.advance(seconds)

    limiter = RateLimiter(clock=h.clock, sleep=_no_sleep)
    member = await f.staff(h.root, line="line2", tg_id=member_tg)
    async with h.root.session_factory() as s:
        staff = await s.get(Staff, member.id)
        assert staff is not None
        u = await s.get(User, staff.user_id)
        assert u is not None
        u.locale = staff_locale
        await s.commit()
    await chats.bind(uow=h.root.uow(), chat_id=chat, group_code="line2", service_code=None)
    h.session.chat_types[chat] = "supergroup"
    t = await f.incident(h.root, await f.user(h.root, tg_id=user_tg, login=f"u{user_tg}", locale=user_locale))
    await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="take",
                               actor=tickets.Actor("staff", member.id))
    start = utcnow() + timedelta(minutes=30)
    w, _ = await planned.create(uow=h.root.uow(), kind="release", services=["nttm"], title="Релиз 5.5",
                                starts_at=start, ends_at=start + timedelta(hours=1), changes=["Фильтр"],
                                urgent=True, tz=h.root.tz)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="link_release",
                               actor=tickets.Actor("staff", member.id),
                               params={"release_id": w.id, "config_item": "Интерфейс / NTTM"})
    h.clock.advance(5)
    await sync_cards(uow=h.root.uow, bot=h.bot, limiter=limiter, tz=h.root.tz)
    await h.deliver()
    await planned.complete(uow=h.root.uow(), work_id=w.id, tz=h.root.tz, now=start + timedelta(minutes=40))
    h.clock.advance(5)
    await sync_cards(uow=h.root.uow, bot=h.bot, limiter=limiter, tz=h.root.tz)
    for _ in range(2):
        h.clock.advance(5)
        await h.deliver()
    return t


async def test_the_assignee_was_not_told_a_release_resolved_their_ticket(harness: BotHarness) -> None:
    h = harness
    t = await _linked_and_installed(h, member_tg=5531, user_tg=7531, chat=-100_531)
    told = [x for x in h.texts(5531) if t.number in x and "установкой релиза" in x]
    assert len(told) == 1 and "Релиз 5.5" in told[0]  # the solution names the release
    assert any("решено" in x for x in h.texts(7531))  # the requester, as before
    # the line chat's card shows the resolution like any other one, no longer the wait for the release
    cards = [c.text or "" for c in h.session.calls if c.chat_id == -100_531 and c.error is None
             and c.name in ("sendMessage", "editMessageText") and f"📌 <b>{t.number}</b>" in (c.text or "")]
    assert "войдёт в релиз" in cards[0]
    assert "Статус: <b>Решено" in cards[-1] and "войдёт в релиз" not in cards[-1]


async def test_an_english_assignee_was_not_told_a_release_resolved_their_ticket(harness: BotHarness) -> None:
    h = harness
    t = await _linked_and_installed(h, member_tg=5532, user_tg=7532, chat=-100_532, staff_locale="en")
    told = [x for x in h.texts(5532) if t.number in x]
    assert any("resolved by a release's installation" in x for x in told), told


async def test_an_english_requester_got_a_release_resolution_in_russian(harness: BotHarness) -> None:
    h = harness
    t = await _linked_and_installed(h, member_tg=5533, user_tg=7533, chat=-100_533, user_locale="en")
    [told] = [x for x in h.texts(7533) if "has been resolved" in x]
    assert f"Request <b>{t.number}</b> has been resolved." in told
    assert "The fix was installed with release No." in told and "«Релиз 5.5»" in told and "Changes: Фильтр" in told
    assert "Исправление" not in told and "релиза" not in told
    assert any("Исправление установлено в составе релиза №" in x for x in h.texts(5533))  # a Russian assignee


async def test_an_english_assignee_got_a_cancelled_release_in_russian(harness: BotHarness) -> None:
    from sqlalchemy import select

    from bot.staff.notify import plan_staff_notices
    from core.catalog.models import Staff, User
    from core.outbox.models import OutboxEvent

    h = harness
    member = await f.staff(h.root, line="line2", tg_id=5534)
    async with h.root.session_factory() as s:
        staff = await s.get(Staff, member.id)
        assert staff is not None
        u = await s.get(User, staff.user_id)
        assert u is not None
        u.locale = "en"
        await s.commit()
    t = await f.incident(h.root, await f.user(h.root, tg_id=7534, login="u7534"))
    await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="take",
                               actor=tickets.Actor("staff", member.id))
    start = utcnow() + timedelta(minutes=30)
    w, _ = await planned.create(uow=h.root.uow(), kind="release", services=["nttm"], title="Релиз 5.6",
                                starts_at=start, ends_at=start + timedelta(hours=1), changes=["Фильтр"],
                                urgent=True, tz=h.root.tz)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="link_release",
                               actor=tickets.Actor("staff", member.id),
                               params={"release_id": w.id, "config_item": "Интерфейс / NTTM"})
    await planned.cancel(uow=h.root.uow(), work_id=w.id, reason="Дефект сборки", tz=h.root.tz)
    async with h.root.session_factory() as s:
        ev = (await s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "ticket.unlink_release"))).one()
        assert h.root.delivery is not None
        [target] = await plan_staff_notices(s, ev, h.root.delivery)
    assert f"Release No. {w.id} «Релиз 5.6» was cancelled. Reason: Дефект сборки" in target.text
    assert "no longer waits for a release" in target.text


async def test_a_refused_release_link_was_answered_in_the_domains_english(harness: BotHarness) -> None:
    # «Не получилось: action 'link_release' is not allowed in status 'assigned'», «… is not linked to a release»,
    # «release 99 not found»: the line chat read the log's English
    from core.staffdesk import chats

    h = harness
    member = await f.staff(h.root, line="line2", tg_id=MEMBER)
    await chats.bind(uow=h.root.uow(), chat_id=CHAT, group_code="line2", service_code=None)
    h.session.chat_types[CHAT] = "supergroup"
    t = await f.incident(h.root, await f.user(h.root, tg_id=USER))
    start = utcnow() + timedelta(minutes=30)
    w, _ = await planned.create(uow=h.root.uow(), kind="release", services=["nttm"], title="Релиз 5.4",
                                starts_at=start, ends_at=start + timedelta(hours=1), changes=["Фильтр"],
                                urgent=True, tz=h.root.tz)
    said = _answer(await h.send_text(MEMBER, f"/release {t.number} {w.id} Интерфейс / NTTM", **G))
    assert said == (f"Не получилось: обращение {t.number} в статусе «Назначено (в очереди группы)»: с релизом "
                    "связывают обращение в работе")
    await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="take",
                               actor=tickets.Actor("staff", member.id))
    said = _answer(await h.send_text(MEMBER, f"/release {t.number} 99999 Интерфейс / NTTM", **G))
    assert said == f"Не получилось: релиза №99999 нет; объявленные релизы сервиса: /release {t.number}"
    assert _answer(await h.send_text(MEMBER, f"/release {t.number} off", **G)) == (
        f"Не получилось: обращение {t.number} не ждёт релиза")
    await h.send_text(MEMBER, f"/release {t.number} {w.id} Интерфейс / NTTM", **G)
    assert _answer(await h.send_text(MEMBER, f"/release {t.number} {w.id} Интерфейс / NTTM", **G)) == (
        f"Не получилось: обращение {t.number} уже ждёт релиза №{w.id}")
    assert _answer(await h.send_text(MEMBER, "/release SD-999999 off", **G)) == "Обращение SD-999999 не найдено."


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_an_english_requester_read_a_release_resolution_in_russian_in_the_ticket(harness: BotHarness,
                                                                                        locale: str) -> None:
    # the bot's notice was in English, the ticket's «✅ Решение» kept the stored Russian text of the release
    h = harness
    t = await _linked_and_installed(h, member_tg=5534, user_tg=7534, chat=-100_534, user_locale=locale)
    shown = _answer(await h.press(7534, TicketCb(action="open", ticket_id=t.id), language_code=locale))
    if locale == "en":
        assert "✅ Solution: The fix was installed with release No." in shown and "Changes: Фильтр" in shown
        assert "Исправление" not in shown
    else:
        assert "✅ Решение: Исправление установлено в составе релиза №" in shown and "Изменения: Фильтр" in shown

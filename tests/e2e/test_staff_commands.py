"""Issue 10, staff commands: /queue (pages), /my, /ticket SD-…, /stats in a line chat and privately; the menus
(setMyCommands scopes); real Updates through the real Dispatcher, the strict fake Bot API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from aiogram.types import BotCommandScopeAllGroupChats, BotCommandScopeChat

from bot.callbacks import QueueCb
from bot.staffchat.sync import sync_cards
from core.staffdesk.models import TicketCard
from core.tickets import service as tickets
from core.tickets.models import Ticket
from tests import factories as f
from tests.e2e.harness import BotHarness
from tests.e2e.staff_helpers import msk

CHAT = -100_410
USER, COORD, MEMBER, STRANGER = 7410, 5411, 5412, 9411
G = {"chat_type": "supergroup", "chat_id": CHAT}
NOW = msk(24, 15)  # Tue 24.11.2026 15:00 МСК


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The commands' clock stands at NOW."""
    import handlers.staff_commands as cmds

    monkeypatch.setattr(cmds, "utcnow", lambda: NOW)
    return NOW


async def _setup(h: BotHarness) -> dict[str, int]:
    from core.staffdesk import chats

    staff = {"coord": (await f.staff(h.root, line="line2", tg_id=COORD, coordinator=True)).id,
             "member": (await f.staff(h.root, line="line2", tg_id=MEMBER)).id}
    await chats.bind(uow=h.root.uow(), chat_id=CHAT, group_code="line2", service_code=None)
    h.session.chat_types[CHAT] = "supergroup"
    return staff


async def _incident(h: BotHarness, user: Any, *, at: datetime, priority: int = 3, title: str = "Ошибка") -> Ticket:
    return await tickets.register(uow=h.root.uow(), service_code="nttm", request_type="incident", priority=priority,
                                  requester_id=user.id, fields={**f.INCIDENT_FIELDS, "description": title}, now=at)


def _answer(calls: list[Any]) -> str:
    texts = [c.text or "" for c in calls if c.name in ("sendMessage", "editMessageText") and c.error is None]
    assert texts, [c.name for c in calls]
    return texts[-1]


async def test_queue_in_a_line_chat_lists_the_groups_open_tickets_by_due_time_in_pages(harness: BotHarness,
                                                                                      frozen: datetime) -> None:
    staff = await _setup(harness)
    user = await f.user(harness.root, tg_id=USER)
    made = [await _incident(harness, user, at=msk(24, 9, i), priority=4 if i % 2 else 2) for i in range(12)]
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=made[0].id, action="take",
                               actor=tickets.Actor("staff", staff["member"]), now=msk(24, 9, 30))
    calls = await harness.send_text(MEMBER, "/queue", **G)
    text = _answer(calls)
    assert "Очередь: 2ЛТП (эксплуатация)" in text and "1–10 из 12" in text
    numbers = [t.number or "" for t in made]
    # P2's reaction is due sooner than P4's: the untaken P2s first, oldest first, then the P4s
    p2, p4 = numbers[2::2], numbers[1::2]
    assert text.index(p2[0]) < text.index(p2[-1]) < min(text.index(n) for n in p4 if n in text)
    assert text.split("\n")[1].startswith(f"🆕 <b>{p2[0]}</b>")  # the nearest deadline on top
    assert "‼️ просрочено, срок был 24.11 09:32" in text  # its reaction (30 min) is past at 15:00
    assert "исполнитель: Сотрудник 5412" in text
    markup = harness.last_call(CHAT, with_inline=True)
    assert harness.buttons(markup) == [["Дальше ▶️"]]
    assert markup is not None and markup.result is not None
    nxt = await harness.press(MEMBER, QueueCb(k="q", o=10), message_id=markup.result.message_id, **G)
    page2 = _answer(nxt)
    assert "11–12 из 12" in page2 and [c for c in nxt if c.name == "editMessageText"]
    assert sum(n in page2 for n in numbers) == 2 and numbers[11] in page2
    assert harness.buttons(harness.last_call(CHAT, with_inline=True)) == [["◀️ Назад"]]


async def test_my_in_a_line_chat_shows_only_the_senders_tickets(harness: BotHarness) -> None:
    staff = await _setup(harness)
    user = await f.user(harness.root, tg_id=USER)
    mine, other = await _incident(harness, user, at=msk(24, 9)), await _incident(harness, user, at=msk(24, 10))
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=mine.id, action="take",
                               actor=tickets.Actor("staff", staff["member"]))
    text = _answer(await harness.send_text(MEMBER, "/my", **G))
    assert "Мои обращения в работе" in text and (mine.number or "") in text and (other.number or "") not in text
    empty = _answer(await harness.send_text(COORD, "/my", **G))
    assert "нет открытых обращений" in empty


async def test_ticket_posts_the_card_anew_and_the_sync_edits_the_new_message(harness: BotHarness) -> None:
    staff = await _setup(harness)
    user = await f.user(harness.root, tg_id=USER)
    t = await _incident(harness, user, at=msk(24, 9))
    assert harness.root.delivery is not None and harness.bot is not None
    from bot.delivery.limiter import RateLimiter

    async def _no_sleep(seconds: float) -> None:
        harness.clock.advance(seconds)

    harness.root.delivery.limiter = RateLimiter(clock=harness.clock, sleep=_no_sleep)  # the process's one, faked
    await sync_cards(uow=harness.root.uow, bot=harness.bot, limiter=harness.root.delivery.limiter, tz=harness.root.tz)
    async with harness.root.session_factory() as s:
        first = (await s.get(TicketCard, t.id)).message_id  # type: ignore[union-attr]
    calls = await harness.send_text(MEMBER, f"/ticket {t.number}", **G)
    posted = [c for c in calls if c.name == "sendMessage" and "📌" in (c.text or "")]
    assert len(posted) == 1 and (t.number or "") in (posted[0].text or "")
    assert harness.buttons(posted[0])[0][0] == "✋ Взять"
    async with harness.root.session_factory() as s:
        card = await s.get(TicketCard, t.id)
        assert card is not None and card.message_id == posted[0].result.message_id != first
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="take",
                               actor=tickets.Actor("staff", staff["member"]))
    start = len(harness.sent)
    harness.clock.advance(5)
    stats = await sync_cards(uow=harness.root.uow, bot=harness.bot, limiter=harness.root.delivery.limiter,
                             tz=harness.root.tz)
    assert stats.edited == 1, stats
    edits = [c for c in harness.sent[start:] if c.name == "editMessageText"]
    assert [c.params["message_id"] for c in edits] == [posted[0].result.message_id]  # the new one is the card
    refused = _answer(await harness.send_text(MEMBER, "/ticket SD-999999", **G))
    assert refused == "Обращение SD-999999 не найдено."  # an unknown number is told so (no number: the usage)


async def test_stats_on_a_frozen_clock(harness: BotHarness, frozen: datetime) -> None:
    staff = await _setup(harness)
    user = await f.user(harness.root, tg_id=USER)
    yesterday = await _incident(harness, user, at=msk(23, 12), priority=1)  # its deadlines all passed yesterday
    a = await _incident(harness, user, at=msk(24, 9))
    b = await _incident(harness, user, at=msk(24, 10))
    late = await _incident(harness, user, at=msk(24, 11), priority=2)  # reaction due 11:30, never met: breached
    who = tickets.Actor("staff", staff["member"])
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=a.id, action="take", actor=who, now=msk(24, 9, 10))
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=b.id, action="take", actor=who, now=msk(24, 10, 30))
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=a.id, action="close", actor=who, now=msk(24, 12),
                               params={**f.CLOSING, "text": "Исправлено"})
    text = _answer(await harness.send_text(MEMBER, "/stats", **G))
    assert "24.11.2026" in text
    assert "Новых: 3" in text  # a, b, late (yesterday's is not today's)
    assert "Закрыто: 1" in text
    assert "Медиана реакции: 20 мин (по 2 обращ.)" in text  # 10 and 30 minutes
    assert "С нарушением срока: 1" in text  # late's reaction; yesterday's P1 missed yesterday's deadlines
    assert yesterday.id and late.id


async def test_queue_and_stats_name_the_group_not_its_code(harness: BotHarness, frozen: datetime) -> None:
    """/queue answered «Очередь: line2» and /stats «Сегодня: line2 · 24.11.2026»: the group's code, not its name."""
    await _setup(harness)
    await catalog_staff(harness, line="line3", tg_id=MEMBER)  # privately: two groups, both named
    for text in (_answer(await harness.send_text(MEMBER, "/queue", **G)),
                 _answer(await harness.send_text(MEMBER, "/stats", **G))):
        assert "2ЛТП (эксплуатация)" in text and "line2" not in text, text
    assert "<b>Сегодня: 2ЛТП (эксплуатация)</b> · 24.11.2026" in _answer(await harness.send_text(MEMBER, "/stats", **G))
    for text in (_answer(await harness.send_text(MEMBER, "/queue")),
                 _answer(await harness.send_text(MEMBER, "/stats"))):
        assert "2ЛТП (эксплуатация), 3ЛТП (разработка)" in text and "line" not in text, text


async def catalog_staff(h: BotHarness, *, line: str, tg_id: int) -> None:
    from core.catalog import service as catalog

    await catalog.create_staff(uow=h.root.uow(), line_code=line,
                               user={"tg_id": tg_id, "full_name": f"Сотрудник {tg_id}"})


async def test_commands_by_a_non_member_in_a_line_chat_are_refused(harness: BotHarness) -> None:
    await _setup(harness)
    text = _answer(await harness.send_text(STRANGER, "/queue", **G))
    assert "для сотрудников группы поддержки" in text


async def test_private_queue_and_my_for_staff_and_user_my_untouched(harness: BotHarness) -> None:
    staff = await _setup(harness)
    user = await f.user(harness.root, tg_id=USER)
    t = await _incident(harness, user, at=msk(24, 9))
    text = _answer(await harness.send_text(MEMBER, "/queue"))
    assert "Очередь: 2ЛТП (эксплуатация)" in text and (t.number or "") in text
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="take",
                               actor=tickets.Actor("staff", staff["member"]))
    assert (t.number or "") in _answer(await harness.send_text(MEMBER, "/my"))
    card = _answer(await harness.send_text(MEMBER, f"/ticket {t.number}"))
    assert "📌" in card and (t.number or "") in card
    # the requester (no staff record) gets «Мои обращения», the user dialog
    mine = _answer(await harness.send_text(USER, "/my"))
    assert "Очередь" not in mine and "Мои обращения в работе" not in mine
    assert (t.number or "") in mine
    assert "Такой команды нет" in _answer(await harness.send_text(USER, "/queue"))


async def test_private_commands_in_english_for_an_english_staff_member(harness: BotHarness) -> None:
    from core.catalog import service as catalog

    await _setup(harness)
    await catalog.upsert_user(uow=harness.root.uow(), tg_id=MEMBER, locale="en")
    text = _answer(await harness.send_text(MEMBER, "/my", language_code="en"))
    assert "My tickets in work" in text and "no open tickets" in text
    stats = _answer(await harness.send_text(MEMBER, "/stats", language_code="en"))
    assert "New: 0" in stats and "Closed: 0" in stats


async def test_menus_for_group_chats_and_staff_private_chats(harness: BotHarness) -> None:
    from app.wiring_cmds import _staff_menus

    groups = [c for c in harness.sent if c.name == "setMyCommands"
              and isinstance(c.params["scope"], BotCommandScopeAllGroupChats)]
    assert [c.params["language_code"] for c in groups] == [None, "ru", "en"]
    ru = {b.command: b.description for b in groups[1].params["commands"]}
    en = {b.command: b.description for b in groups[2].params["commands"]}
    assert {"queue", "my", "ticket", "stats", "bind", "outage", "restore"} <= set(ru)
    assert ru["queue"] == "Очередь группы по срокам" and en["queue"] == "The group's queue by due time"
    await f.staff(harness.root, line="line2", tg_id=COORD)
    from core.catalog import service as catalog

    await catalog.create_staff(uow=harness.root.uow(), line_code="line1", user={"tg_id": MEMBER, "full_name": "En"})
    await catalog.upsert_user(uow=harness.root.uow(), tg_id=MEMBER, locale="en")
    start = len(harness.sent)
    await _staff_menus(harness.root)
    calls = [c for c in harness.sent[start:] if c.name == "setMyCommands"]
    scopes = {c.params["scope"].chat_id: c for c in calls}
    assert set(scopes) == {COORD, MEMBER}
    assert all(isinstance(c.params["scope"], BotCommandScopeChat) for c in calls)
    coord = {b.command: b.description for b in scopes[COORD].params["commands"]}
    member = {b.command: b.description for b in scopes[MEMBER].params["commands"]}
    assert coord["queue"] == "Очереди моих групп по срокам" and coord["my"] == "Мои обращения в работе"
    assert "report" in coord and member["queue"] == "The queues of my groups by due time"


async def test_an_unknown_ticket_number_was_answered_with_the_usage(harness: BotHarness) -> None:
    # «/ticket SD-999999» was told «Укажите номер обращения: /ticket SD-000042», as if no number had been given;
    # «/ticket SD-000001 карточка» too
    await _setup(harness)
    t = await _incident(harness, await f.user(harness.root, tg_id=USER), at=msk(24, 9))
    assert _answer(await harness.send_text(MEMBER, "/ticket SD-999999", **G)) == "Обращение SD-999999 не найдено."
    assert _answer(await harness.send_text(MEMBER, "/ticket", **G)) == "Укажите номер обращения: /ticket SD-000042"
    assert "📌" in _answer(await harness.send_text(MEMBER, f"/ticket {t.number} карточка", **G))
    assert _answer(await harness.send_text(MEMBER, "/ticket SD-999999")) == "Обращение SD-999999 не найдено."

"""Issue 10, the card and its buttons: real Updates through the Dispatcher, the strict fake Bot API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.callbacks import CardCb, PickCb, TicketCb
from bot.staffchat.sync import sync_cards
from core.sla import clock
from core.staffdesk import chats
from core.staffdesk.models import TicketCard
from core.tickets import service as tickets
from core.tickets.models import Comment, Ticket
from tests import factories as f
from tests.e2e.harness import BotHarness, bad_request

CHAT, L3CHAT = -100_200, -100_300
USER, COORD, MEMBER, OTHER, L3 = 7100, 5101, 5102, 5103, 5104
G = {"chat_type": "supergroup", "chat_id": CHAT}


async def _setup(h: BotHarness) -> tuple[Ticket, dict[str, int]]:
    from bot.delivery.limiter import RateLimiter

    async def _no_sleep(seconds: float) -> None:
        h.clock.advance(seconds)

    assert h.root.delivery is not None
    h.root.delivery.limiter = RateLimiter(clock=h.clock, sleep=_no_sleep)  # the process's one limiter, faked
    staff = {"coord": (await f.staff(h.root, line="line2", tg_id=COORD, coordinator=True)).id,
             "member": (await f.staff(h.root, line="line2", tg_id=MEMBER)).id,
             "other": (await f.staff(h.root, line="line2", tg_id=OTHER)).id,
             "l3": (await f.staff(h.root, line="line3", tg_id=L3)).id}
    await chats.bind(uow=h.root.uow(), chat_id=CHAT, group_code="line2", service_code=None)
    await chats.bind(uow=h.root.uow(), chat_id=L3CHAT, group_code="line3", service_code=None)
    user = await f.user(h.root, tg_id=USER, login="u7100", full_name="Смирнова Анна")
    return await f.incident(h.root, user), staff


async def _sync(h: BotHarness) -> Any:
    assert h.root.delivery is not None and h.bot is not None
    h.clock.advance(5)
    return await sync_cards(uow=h.root.uow, bot=h.bot, limiter=h.root.delivery.limiter, tz=h.root.tz)


async def _card(h: BotHarness, ticket_id: int) -> TicketCard:
    async with h.root.session_factory() as s:
        card = await s.get(TicketCard, ticket_id)
        assert card is not None
        return card


async def _version(h: BotHarness, ticket_id: int) -> int:
    async with h.root.session_factory() as s:
        t = await s.get(Ticket, ticket_id)
        assert t is not None
        return t.version


async def _press(h: BotHarness, uid: int, a: str, t: Ticket, *, v: int | None = None, **kw: Any) -> list[Any]:
    card = await _card(h, t.id)
    cb = CardCb(a=a, t=t.id, v=v if v is not None else await _version(h, t.id))
    return await h.press(uid, cb, message_id=card.message_id, **{**G, **kw})


def _card_text(h: BotHarness) -> str:
    texts = [c for c in h.session.calls if c.chat_id == CHAT and c.name in ("sendMessage", "editMessageText")
             and c.error is None and "📌" in (c.text or "")]
    return texts[-1].text or ""


def _card_of(h: BotHarness, number: str) -> str:
    """The newest text of the card of ticket `number` in the line chat."""
    texts = [c.text or "" for c in h.session.calls if c.chat_id == CHAT and c.name in ("sendMessage", "editMessageText")
             and c.error is None and f"📌 <b>{number}</b>" in (c.text or "")]
    assert texts, number
    return texts[-1]


async def test_a_new_tickets_card_is_posted_once_with_everything_a_line_needs(harness: BotHarness) -> None:
    t, _ = await _setup(harness)
    stats = await _sync(harness)
    assert stats.posted == 1
    text = _card_text(harness)
    for part in (t.number.lower(), "инцидент", "p3 средний", "nttm", "смирнова анна", "u7100", "мрф центр", "назначено",
                 "не назначен", "ошибка 500", "sla:", "реакция"):
        assert part in text.lower(), part
    assert harness.buttons(harness.last_call(CHAT, with_inline=True))[0][0] == "✋ Взять"
    again = await _sync(harness)
    assert (again.posted, again.edited) == (0, 0)  # nothing changed: nothing sent (no «message is not modified»)


async def test_take_edits_the_card_in_place_and_changes_coalesce(harness: BotHarness) -> None:
    t, staff = await _setup(harness)
    await _sync(harness)
    first = (await _card(harness, t.id)).message_id
    await _press(harness, MEMBER, "take", t)
    await tickets.add_comment(uow=harness.root.uow(), ticket_id=t.id, actor=tickets.Actor("staff", staff["member"]),
                              text="Смотрю логи", public=True)
    stats = await _sync(harness)
    assert (stats.posted, stats.edited) == (0, 1)  # two changes, one edit with the newest state
    assert (await _card(harness, t.id)).message_id == first
    text = _card_text(harness)
    assert "в работе" in text.lower() and "Сотрудник 5102" in text and "Смотрю логи" in text


async def test_non_staff_press_is_refused_politely(harness: BotHarness) -> None:
    t, _ = await _setup(harness)
    await _sync(harness)
    calls = await _press(harness, 9999, "take", t)
    answer = [c for c in calls if c.name == "answerCallbackQuery"][-1]
    assert "для сотрудников группы" in answer.params["text"]
    assert (await _card(harness, t.id)) is not None
    async with harness.root.session_factory() as s:
        assert (await s.get(Ticket, t.id)).status == "assigned"  # type: ignore[union-attr]


async def test_two_takes_at_once_one_wins_the_other_is_told_who(harness: BotHarness) -> None:
    t, _ = await _setup(harness)
    await _sync(harness)
    v = await _version(harness, t.id)
    await _press(harness, MEMBER, "take", t, v=v)
    calls = await _press(harness, OTHER, "take", t, v=v)  # the same card, pressed a moment later
    answer = [c for c in calls if c.name == "answerCallbackQuery"][-1]
    assert "Карточка устарела, вот текущая" in answer.params["text"] and "Сотрудник 5102" in answer.params["text"]
    async with harness.root.session_factory() as s:
        ticket = await s.get(Ticket, t.id)
        assert ticket is not None and ticket.assignee_id is not None and ticket.status == "in_progress"
    assert any(c.name == "editMessageText" for c in calls)  # the stale card shows the current state at once


async def test_stale_card_button_applies_nothing(harness: BotHarness) -> None:
    t, staff = await _setup(harness)
    await _sync(harness)
    old = await _version(harness, t.id)
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="change_priority",
                               actor=tickets.Actor("staff", staff["coord"]), params={"priority": 2})
    calls = await _press(harness, MEMBER, "take", t, v=old)
    assert "устарела" in [c for c in calls if c.name == "answerCallbackQuery"][-1].params["text"]
    async with harness.root.session_factory() as s:
        assert (await s.get(Ticket, t.id)).status == "assigned"  # type: ignore[union-attr]


async def test_forged_callback_is_refused_with_a_log_line(harness: BotHarness, caplog: Any) -> None:
    t, _ = await _setup(harness)
    await _sync(harness)
    calls = await harness.press(MEMBER, "c:take:notanumber:1", **G)
    assert "не распознана" in [c for c in calls if c.name == "answerCallbackQuery"][-1].params["text"]
    # a line 3 member pressing, in line 3's chat, a button naming line 2's ticket
    calls = await harness.press(L3, CardCb(a="take", t=t.id, v=await _version(harness, t.id)),
                                chat_type="supergroup", chat_id=L3CHAT)
    assert "не относится к обращениям этого чата" in [c for c in calls
                                                       if c.name == "answerCallbackQuery"][-1].params["text"]
    assert "forged card data" in caplog.text and "is not a ticket of chat" in caplog.text


async def test_assign_by_the_coordinator(harness: BotHarness) -> None:
    t, staff = await _setup(harness)
    await _sync(harness)
    await _press(harness, COORD, "assign", t)
    v = await _version(harness, t.id)
    await harness.press(COORD, PickCb(a="asg", t=t.id, v=v, x=str(staff["other"])), **G)
    async with harness.root.session_factory() as s:
        ticket = await s.get(Ticket, t.id)
        assert ticket is not None and ticket.assignee_id == staff["other"]
    await _sync(harness)
    assert "Сотрудник 5103" in _card_text(harness)


async def test_reply_to_the_card_reaches_the_user_and_a_note_does_not(harness: BotHarness) -> None:
    t, _ = await _setup(harness)
    await _sync(harness)
    await _press(harness, MEMBER, "take", t)
    card = await _card(harness, t.id)
    posted = harness.last_call(CHAT, "sendMessage")
    assert posted is not None
    replied = posted.result  # the card's message as Telegram returned it
    from aiogram.types import Message

    target = Message.model_validate({**replied.model_dump(), "message_id": card.message_id,
                                     "chat": {"id": CHAT, "type": "supergroup", "title": "Группа"}})
    await harness.send_text(MEMBER, "Перезапустили сервис, проверьте", reply_to_message=target, **G)
    await harness.send_text(MEMBER, "#внутр похоже на сбой балансировщика", reply_to_message=target, **G)
    await harness.deliver()
    to_user = " ".join(harness.texts(USER))
    assert "Перезапустили сервис, проверьте" in to_user and "балансировщика" not in to_user
    async with harness.root.session_factory() as s:
        rows = (await s.execute(select(Comment.text, Comment.public).where(Comment.ticket_id == t.id))).all()
        assert ("#внутр похоже на сбой балансировщика", False) in [tuple(r) for r in rows]


async def test_internal_note_button_does_not_reach_the_user(harness: BotHarness) -> None:
    t, _ = await _setup(harness)
    await _sync(harness)
    await _press(harness, MEMBER, "note", t)
    await harness.send_text(MEMBER, "Клиент VIP, держим на контроле", **G)
    await harness.deliver()
    assert all("VIP" not in x for x in harness.texts(USER))
    assert "Заметка сохранена" in harness.last_text(CHAT)


async def test_ask_user_then_the_user_answers_card_shows_it_and_clock_resumes(harness: BotHarness) -> None:
    t, _ = await _setup(harness)
    await _sync(harness)
    await _press(harness, MEMBER, "take", t)
    await _press(harness, MEMBER, "ask", t)
    await harness.send_text(MEMBER, "Пришлите номер лицевого счёта", **G)
    async with harness.root.session_factory() as s:
        assert (await s.get(Ticket, t.id)).status == "waiting_user"  # type: ignore[union-attr]
    await _sync(harness)
    assert "Часы SLA остановлены" in _card_text(harness)
    await harness.deliver()
    await harness.press(USER, TicketCb(action="answer", ticket_id=t.id))
    await harness.send_text(USER, "ЛС 555000111")
    await _sync(harness)
    text = _card_text(harness)
    assert "ЛС 555000111" in text and "Пользователь" in text and "Часы SLA остановлены" not in text
    sla = await clock.ticket_sla(uow=harness.root.uow(), ticket_id=t.id)
    assert sla["paused"] is False


async def test_escalate_line2_to_line3_moves_the_card(harness: BotHarness) -> None:
    t, _ = await _setup(harness)
    await _sync(harness)
    old_card = (await _card(harness, t.id)).message_id
    await _press(harness, MEMBER, "take", t)
    await _press(harness, MEMBER, "esc", t)
    v = await _version(harness, t.id)
    await harness.press(MEMBER, PickCb(a="esc", t=t.id, v=v, x="line3"), **G)
    await harness.send_text(MEMBER, "Воспроизводится на стенде: NPE в модуле выгрузки", **G)
    assert "требования к исправлению" in (harness.texts(CHAT)[-1] or "")  # 003: the task names the fix too
    await harness.send_text(MEMBER, "Выгрузка проходит без ошибки для нарядов без адреса", **G)
    async with harness.root.session_factory() as s:
        ticket = await s.get(Ticket, t.id)
        assert ticket is not None and ticket.line == "line3" and ticket.status == "assigned"
        assert (ticket.fields["defect"], ticket.fields["fix_requirements"]) == (
            "Воспроизводится на стенде: NPE в модуле выгрузки", "Выгрузка проходит без ошибки для нарядов без адреса")
    await _sync(harness)
    assert (await _card(harness, t.id)).chat_id == L3CHAT
    card = [x for x in harness.texts(L3CHAT) if "📌" in x]
    assert card and "Требования к исправлению: Выгрузка проходит без ошибки" in card[-1]
    # regression: the old card stayed in line 2's chat as it was, with buttons that refused every press
    [retired] = [c for c in harness.calls_to(CHAT, "editMessageText") if c.params.get("message_id") == old_card
                 and "Передано в группу" in (c.text or "")]
    assert retired.error is None and retired.params.get("reply_markup") is None and t.number in (retired.text or "")


async def test_return_to_the_coordinator_with_a_reason(harness: BotHarness) -> None:
    t, _ = await _setup(harness)
    await _sync(harness)
    await _press(harness, MEMBER, "take", t)
    await _press(harness, MEMBER, "coord", t)
    await harness.send_text(MEMBER, "Не мой профиль: вопрос по биллингу", **G)
    async with harness.root.session_factory() as s:
        ticket = await s.get(Ticket, t.id)
        assert ticket is not None and ticket.status == "assigned" and ticket.assignee_id is None


async def test_resolve_with_the_form_then_the_user_confirms_closed_with_the_closing_fields(
        harness: BotHarness) -> None:
    t, _ = await _setup(harness)
    await _sync(harness)
    await _press(harness, MEMBER, "take", t)
    await _press(harness, MEMBER, "resolve", t)
    v = await _version(harness, t.id)
    await harness.press(MEMBER, PickCb(a="code", t=t.id, v=v, x="resolved"), **G)
    await harness.send_text(MEMBER, "Интеграция / NTTM", **G)
    await harness.send_text(MEMBER, "Исправили маппинг полей, карточка сохраняется", **G)
    async with harness.root.session_factory() as s:
        assert (await s.get(Ticket, t.id)).status == "resolved"  # type: ignore[union-attr]
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="confirm",
                               actor=tickets.Actor("user", t.requester_id))
    async with harness.root.session_factory() as s:
        ticket = await s.get(Ticket, t.id)
        assert ticket is not None and ticket.status == "closed"
        assert (ticket.closing_code, ticket.config_item, ticket.solution) == (
            "resolved", "Интеграция / NTTM", "Исправили маппинг полей, карточка сохраняется")


async def test_a_deleted_card_is_posted_again_and_its_new_id_kept(harness: BotHarness) -> None:
    t, staff = await _setup(harness)
    await _sync(harness)
    first = (await _card(harness, t.id)).message_id
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="take",
                               actor=tickets.Actor("staff", staff["member"]))
    harness.session.fail_next("editMessageText", bad_request("Bad Request: message to edit not found"))
    stats = await _sync(harness)
    assert (stats.reposted, stats.posted) == (1, 1)
    assert (await _card(harness, t.id)).message_id not in (None, first)


async def test_staff_link_a_ticket_to_an_open_outage_from_its_card(harness: BotHarness) -> None:
    """Linking a ticket to an outage was possible only through the API."""
    from core.outages import service as outages

    t, _staff = await _setup(harness)
    await _sync(harness)
    calls = await _press(harness, MEMBER, "out", t)
    answer = [c for c in calls if c.name == "answerCallbackQuery"][-1]
    assert "нет открытых аварий" in answer.params["text"]
    o, _ = await outages.declare(uow=harness.root.uow(), services=["nttm"], title="Сбой NTTM", tz=harness.root.tz)
    await _press(harness, MEMBER, "out", t)
    pick = harness.button(CHAT, f"№{o.id}")
    await harness.press(MEMBER, pick, **G)
    async with harness.root.session_factory() as s:
        got = await s.get(Ticket, t.id)
        assert got is not None and got.outage_id == o.id
    await _sync(harness)
    text = _card_text(harness)
    assert f"Связано с аварией №{o.id}" in text
    assert "Связать с аварией" not in str(harness.buttons(harness.last_call(CHAT, with_inline=True)))


async def test_card_shows_choice_labels_and_local_time_not_raw_values(harness: BotHarness) -> None:
    """The card showed «Среда: prod», «Массовость: several» and the UTC ISO timestamp of «Время возникновения»."""
    from datetime import UTC, datetime

    _t, _staff = await _setup(harness)
    await _sync(harness)  # the first ticket's card out of the way
    user = await f.user(harness.root, tg_id=USER + 1, login="u7101", full_name="Петров Пётр")
    at = datetime(2026, 11, 24, 11, 24, 47, 997302, tzinfo=UTC)  # 14:24 in Moscow, the desk's timezone
    t = await tickets.register(uow=harness.root.uow(), service_code="nttm", request_type="incident", priority=3,
                           requester_id=user.id, fields={**f.INCIDENT_FIELDS, "environment": "prod",
                                                         "affected_users": "several", "occurred_at": at.isoformat()})
    await _sync(harness)
    text = _card_of(harness, t.number or "")
    assert "Среда: Продуктивная" in text and "Массовость: Несколько человек" in text, text
    assert "Время возникновения: 24.11.2026 14:24" in text, text
    assert "prod" not in text and "several" not in text and "+00:00" not in text


async def test_card_of_a_closed_outage_ticket_names_the_code_and_hides_outage_bookkeeping(
        harness: BotHarness) -> None:
    """A closed ticket of an outage showed «Код закрытия: resolved», «• outage_id: 1» and still «будет решено при её
    восстановлении»."""
    from core.outages import service as outages
    from core.outages.affected import report_affected

    _t, staff = await _setup(harness)
    await _sync(harness)
    o, _ = await outages.declare(uow=harness.root.uow(), services=["nttm"], title="Сбой NTTM", tz=harness.root.tz)
    user = await f.user(harness.root, tg_id=USER + 2, login="u7102", full_name="Иванова Ирина")
    t, _new = await report_affected(uow=harness.root.uow(), outage_id=o.id, user_id=user.id, service_code="nttm")
    await _sync(harness)
    assert f"Связано с аварией №{o.id}: будет решено" in _card_of(harness, t.number or "")  # while open
    _o, _b, linked = await outages.restore(uow=harness.root.uow(), outage_id=o.id, resolution="Перезапустили сервис",
                                           tz=harness.root.tz)
    assert linked == [t.id]
    await outages.resolve_linked(uow_factory=harness.root.uow, ticket_ids=linked, staff_id=staff["member"],
                                 resolution="Перезапустили сервис")
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="confirm",
                               actor=tickets.Actor("user", user.id))
    await _sync(harness)
    text = _card_of(harness, t.number or "")
    assert "Статус: <b>Закрыто</b>" in text, text
    assert "Код закрытия: Решено" in text and "resolved" not in text, text
    assert "outage_id" not in text
    assert "будет решено при её восстановлении" not in text


async def test_card_countdown_is_calendar_time_to_the_due_moment_and_gone_once_cancelled(
        harness: BotHarness) -> None:
    """A P3 card read «решение: до 01.12 09:00, осталось 2 д 16 ч»: working seconds (13-hour days) printed as
    calendar days; and a cancelled ticket's card still counted «реакция: … осталось 54 мин»."""
    from core.sla.models import TicketSlaTarget
    from tests.e2e.staff_helpers import msk

    await _setup(harness)
    await _sync(harness)
    user = await f.user(harness.root, tg_id=USER + 3, login="u7103", full_name="Сидоров Семён")
    t = await tickets.register(uow=harness.root.uow(), service_code="nttm", request_type="incident", priority=3,
                               requester_id=user.id, fields=dict(f.INCIDENT_FIELDS), now=msk(24, 9))
    async with harness.root.session_factory() as s:
        due = await s.scalar(select(TicketSlaTarget.due_at).where(TicketSlaTarget.ticket_id == t.id,
                                                                  TicketSlaTarget.target == "resolution"))
    assert due is not None
    read_at = msk(24, 9, 6)
    assert harness.root.delivery is not None and harness.bot is not None
    harness.clock.advance(5)
    await sync_cards(uow=harness.root.uow, bot=harness.bot, limiter=harness.root.delivery.limiter,
                     tz=harness.root.tz, now=read_at)
    text = _card_of(harness, t.number or "")
    left = due - read_at  # 5 working days of 13 hours are about 7 calendar days here
    days, hours = left.days, left.seconds // 3600
    assert days >= 6, left
    when = due.astimezone(harness.root.tz).strftime("%d.%m %H:%M")
    assert f"• решение: до {when}, осталось {days} д {hours} ч" in text, text
    assert "• реакция: до 24.11 10:00, осталось 54 мин" in text, text  # 1 working hour, within working time
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="cancel",
                               actor=tickets.Actor("user", user.id), now=msk(24, 9, 6))
    harness.clock.advance(5)
    await sync_cards(uow=harness.root.uow, bot=harness.bot, limiter=harness.root.delivery.limiter,
                     tz=harness.root.tz, now=msk(24, 9, 7))
    text = _card_of(harness, t.number or "")
    assert "Отменено пользователем" in text, text
    assert "осталось" not in text and "просрочено на" not in text and "Часы SLA остановлены" not in text, text
    assert "• реакция: не выполнено (срок был 24.11 10:00)" in text, text

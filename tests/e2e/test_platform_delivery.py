"""The outbox delivery worker through the recording session: texts, limits, failures and restarts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.callbacks import TicketCb
from bot.models import Delivery
from core.catalog.models import User
from core.outbox.models import OutboxEvent
from core.tickets import service as tickets
from core.tickets.models import Ticket
from core.tickets.service import Actor
from tests import factories as f
from tests.e2e.harness import BotHarness, bad_request, forbidden, retry_after, server_error

UID = 7001


async def _ticket(h: BotHarness, *, tg_id: int = UID, **kw: Any) -> tuple[Ticket, Actor, Actor]:
    u = await f.user(h.root, tg_id=tg_id, login=f"u{tg_id}", **kw)
    s = await f.staff(h.root, tg_id=tg_id + 100_000)
    t = await f.incident(h.root, u)
    return t, Actor("staff", s.id), Actor("user", u.id)


async def _act(h: BotHarness, t: Ticket, action: str, actor: Actor, **params: Any) -> Ticket:
    return await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action=action, actor=actor, params=params)


async def _pending(h: BotHarness) -> int:
    async with h.root.session_factory() as s:
        return await s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None)))


async def _deliveries(h: BotHarness) -> list[tuple[str, int]]:
    async with h.root.session_factory() as s:
        rows = (await s.execute(select(Delivery.status, Delivery.chat_id).order_by(Delivery.id))).all()
        return [tuple(r) for r in rows]


async def test_status_changes_reach_the_requester_with_buttons(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    await _act(harness, t, "take", staff)
    await _act(harness, t, "request_info", staff, text="Пришлите номер наряда <script>alert(1)</script>")
    stats = await harness.deliver()
    # registered (created in the bot's dialog) is not repeated; take and the question are
    assert (stats.events, stats.sent, stats.published) == (3, 2, 3)
    texts = harness.texts(UID)
    assert texts[0] == f"Обращение <b>{t.number}</b> взято в работу."
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in texts[1] and "<script>" not in texts[1]
    question = harness.last_call(UID)
    assert harness.button_data(question) == {"Ответить": TicketCb(action="answer", ticket_id=t.id).pack()}
    assert await _pending(harness) == 0
    assert await _deliveries(harness) == [("sent", UID), ("sent", UID)]
    assert (await harness.deliver()).sent == 0  # nothing is sent twice


async def test_resolution_offers_confirm_and_reject_in_english(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness, locale="en")
    await _act(harness, t, "take", staff)
    await _act(harness, t, "resolve", staff, text="Справочник исправлен", **f.CLOSING)
    await harness.deliver()
    call = harness.last_call(UID)
    assert call is not None and "has been resolved" in (call.text or "") and "Справочник исправлен" in call.text
    assert harness.button_data(call) == {"Confirm": TicketCb(action="confirm", ticket_id=t.id).pack(),
                                         "Did not help": TicketCb(action="reject", ticket_id=t.id).pack()}


async def test_own_actions_and_internal_events_are_not_pushed(harness: BotHarness) -> None:
    t, staff, user = await _ticket(harness)
    await tickets.add_comment(uow=harness.root.uow(), ticket_id=t.id, actor=staff, text="внутреннее", public=False)
    await tickets.add_comment(uow=harness.root.uow(), ticket_id=t.id, actor=user, text="мой комментарий")
    await _act(harness, t, "cancel", user)
    stats = await harness.deliver()
    assert stats.sent == 0 and stats.published == stats.events == 4
    assert harness.calls_to(UID) == []


async def test_phone_registration_is_announced(harness: BotHarness) -> None:
    u = await f.user(harness.root, tg_id=UID, login="phone.user")
    t = await tickets.register(uow=harness.root.uow(), service_code="nttm", request_type="incident", priority=3,
                               requester_id=u.id, fields=dict(f.INCIDENT_FIELDS), channel="phone")
    await harness.deliver()
    assert harness.last_text(UID) == (f"Ваше обращение <b>{t.number}</b> зарегистрировано. Следить за ним можно "
                                      "в разделе «Мои обращения».")


async def test_429_pauses_the_worker_then_delivers_exactly_once(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    other, staff2, _ = await _ticket(harness, tg_id=UID + 1)
    await _act(harness, t, "take", staff)
    await _act(harness, other, "take", staff2)
    harness.session.fail_next("sendMessage", retry_after(7))
    before = harness.clock()
    stats = await harness.deliver()
    assert stats.paused_s == 7 and harness.clock() - before >= 7
    assert stats.sent == 2
    attempts = [c for c in harness.calls_to(UID, "sendMessage")]
    assert [c.error is not None for c in attempts] == [True, False]
    assert len(harness.texts(UID)) == 1 and len(harness.texts(UID + 1)) == 1
    assert await _pending(harness) == 0


async def test_403_marks_the_user_unreachable_and_keeps_the_ticket(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    await _act(harness, t, "take", staff)
    harness.session.fail_next("sendMessage", forbidden())
    stats = await harness.deliver()
    assert (stats.blocked, stats.sent, stats.published) == (1, 0, 2)
    assert await _deliveries(harness) == [("blocked", UID)]
    async with harness.root.session_factory() as s:
        user = await s.scalar(select(User).where(User.tg_id == UID))
        ticket = await s.get(Ticket, t.id)
    assert user is not None and user.unreachable
    assert ticket is not None and ticket.status == "in_progress"
    await _act(harness, t, "request_info", staff, text="Вопрос")
    assert (await harness.deliver()).sent == 0  # no more tries to a blocked user
    assert len(harness.calls_to(UID)) == 1
    await harness.send_text(UID, "я снова здесь")  # writing to the bot again makes them reachable
    async with harness.root.session_factory() as s:
        assert (await s.scalar(select(User.unreachable).where(User.tg_id == UID))) is False


async def test_chat_not_found_is_treated_as_blocked(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    await _act(harness, t, "take", staff)
    harness.session.fail_next("sendMessage", bad_request("Bad Request: chat not found"))
    assert (await harness.deliver()).blocked == 1


async def test_5xx_is_retried_with_backoff(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    await _act(harness, t, "take", staff)
    harness.session.fail_next("sendMessage", server_error(), times=2)
    stats = await harness.deliver()
    assert stats.sent == 1 and len(harness.calls_to(UID)) == 3 and len(harness.texts(UID)) == 1


async def test_telegram_down_leaves_the_event_for_the_next_poll(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    await _act(harness, t, "take", staff)
    harness.session.fail_next("sendMessage", server_error(), times=4)
    stats = await harness.deliver()
    assert (stats.sent, stats.deferred) == (0, 1)
    assert await _deliveries(harness) == [("retry", UID)]
    assert await _pending(harness) == 1
    calls = len(harness.session.calls)
    assert (await harness.deliver()).sent == 0 and len(harness.session.calls) == calls  # the worker backs off
    harness.clock.advance(1.0)
    assert (await harness.deliver()).sent == 1
    assert await _pending(harness) == 0 and await _deliveries(harness) == [("sent", UID)]


async def test_restart_between_send_and_publish_does_not_repeat(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    await _act(harness, t, "take", staff)
    await harness.deliver()
    # as if the process died after recording "sent" but before publishing the event
    async with harness.root.session_factory() as s:
        await s.execute(update(OutboxEvent).values(published_at=None))
        await s.commit()
    stats = await harness.deliver()
    assert (stats.sent, stats.already_sent) == (0, 1)
    assert len(harness.texts(UID)) == 1 and await _pending(harness) == 0


async def test_crash_during_send_is_resent_only_after_the_stale_window(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    await _act(harness, t, "take", staff)
    await harness.deliver()
    async with harness.root.session_factory() as s:  # the process died between the send and "sent"
        await s.execute(update(OutboxEvent).values(published_at=None))
        await s.execute(update(Delivery).values(status="sending"))
        await s.commit()
    assert (await harness.deliver()).sent == 0  # maybe another worker is sending right now
    async with harness.root.session_factory() as s:
        d = await s.scalar(select(Delivery))
        assert d is not None
        d.updated_at = d.updated_at - timedelta(seconds=120)
        await s.commit()
    assert (await harness.deliver()).sent == 1  # at least once: the user may see it twice, never zero times
    assert len(harness.texts(UID)) == 2


async def test_long_text_is_split_and_keyboard_goes_last(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    await _act(harness, t, "take", staff)
    long_solution = "\n".join(f"шаг {i}: " + "x" * 90 for i in range(100))
    await _act(harness, t, "resolve", staff, text=long_solution, **f.CLOSING)
    await harness.deliver()
    sent = harness.calls_to(UID, "sendMessage")[1:]
    assert len(sent) == 3 and all(len(c.text or "") <= 4096 for c in sent)
    assert [c.reply_markup is not None for c in sent] == [False, False, True]
    assert "".join(c.text or "" for c in sent).count("шаг ") == 100


async def test_entity_error_resends_as_plain_text(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    await _act(harness, t, "take", staff)
    harness.session.fail_next("sendMessage", bad_request("Bad Request: can't parse entities: unclosed tag"))
    stats = await harness.deliver()
    assert stats.sent == 1
    ok = harness.last_call(UID)
    assert ok is not None and ok.params["parse_mode"] is None and ok.text == f"Обращение {t.number} взято в работу."


async def test_one_message_per_second_per_chat(harness: BotHarness) -> None:
    t, staff, _ = await _ticket(harness)
    await _act(harness, t, "take", staff)
    for i in range(3):
        await tickets.add_comment(uow=harness.root.uow(), ticket_id=t.id, actor=staff, text=f"комментарий {i}")
    start = harness.clock()
    assert (await harness.deliver()).sent == 4
    assert harness.clock() - start >= 3.0

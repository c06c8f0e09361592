"""The impact answers (массовость, работа остановлена, обходной путь) are kept with the ticket: the summary, the
ticket's fields and the line's card show why P1 was proposed (a tester found them thrown away at «Отправить»)."""

from __future__ import annotations

from sqlalchemy import select

from bot.staffchat.sync import sync_cards
from core.staffdesk import chats
from core.tickets.models import Ticket
from tests.e2e.dialogs import onboard, tap
from tests.e2e.harness import BotHarness

CHAT = -100_710


async def test_impact_answers_are_in_the_summary_the_ticket_fields_and_the_staff_card(harness: BotHarness) -> None:
    from bot.delivery.limiter import RateLimiter

    h, uid = harness, 7111
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    await h.send_text(uid, "Открыл наряд, нажал «Закрыть»")
    await h.send_text(uid, "Наряд закрывается")
    await h.send_text(uid, "Ошибка ORA-00001 при закрытии наряда")
    await tap(h, uid, "Пропустить")  # external refs
    await tap(h, uid, "Пропустить")  # additional information
    await tap(h, uid, "Готово")  # no files
    assert "Сколько пользователей затронуто?" in (h.last_text(uid) or "")
    await tap(h, uid, "Все пользователи региона")
    await tap(h, uid, "Да")  # work blocked
    await tap(h, uid, "Нет")  # no workaround
    assert "1 — критичный" in (h.last_text(uid) or "")
    await tap(h, uid, "Согласен")
    summary = h.last_text(uid) or ""
    assert "Массовость</b>: Все пользователи региона" in summary
    assert "Работа остановлена</b>: Да" in summary and "Есть обходной путь</b>: Нет" in summary
    await tap(h, uid, "Отправить")
    async with h.root.session_factory() as s:
        [ticket] = (await s.scalars(select(Ticket))).all()
    assert ticket.priority == 1
    assert {k: ticket.fields.get(k) for k in ("affected_users", "work_blocked", "has_workaround")} == {
        "affected_users": "all", "work_blocked": "yes", "has_workaround": "no"}

    async def _no_sleep(seconds: float) -> None:
        h.clock.advance(seconds)

    assert h.root.delivery is not None and h.bot is not None
    h.root.delivery.limiter = RateLimiter(clock=h.clock, sleep=_no_sleep)
    await chats.bind(uow=h.root.uow(), chat_id=CHAT, group_code="line2", service_code=None)
    h.clock.advance(5)
    await sync_cards(uow=h.root.uow, bot=h.bot, limiter=h.root.delivery.limiter, tz=h.root.tz)
    [card] = [c.text or "" for c in h.session.calls
              if c.chat_id == CHAT and c.name == "sendMessage" and "📌" in (c.text or "")]
    assert "P1 Критичный" in card
    assert "• Массовость: Все пользователи региона" in card
    assert "• Работа остановлена: Да" in card and "• Есть обходной путь: Нет" in card

"""ТЕКОН keeps its assistance level in the priority; users see the level by name (ОП1…ОП4), not «4 — низкий»."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.catalog import service as catalog
from core.tickets.models import Ticket
from tests.e2e.dialogs import onboard, tap
from tests.e2e.harness import BotHarness


async def test_tecon_report_and_card_show_assistance_levels(harness: BotHarness) -> None:
    h, uid = harness, 7501
    today = datetime.now(UTC).date()
    await catalog.create_organisation(uow=h.root.uow(), name="АО Теплосеть",
                                      periods=[{"valid_from": today - timedelta(days=10),
                                                "valid_to": today + timedelta(days=300)}])
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "ТЕКОН")
    await h.send_text(uid, "АО Теплосеть")
    await tap(h, uid, "Консультация")
    await h.send_text(uid, "Как выгрузить показания счётчиков за месяц?")
    # the level follows the kind of request (002): no priority question, and ОП4 is never offered
    summary = h.last_text(uid) or ""
    assert "Приоритет: ОП1 — типовой вопрос" in summary and "низкий" not in summary
    buttons = str(h.buttons(h.last_call(uid, with_inline=True)))
    assert "ОП4" not in buttons and "Приоритет" not in buttons
    await tap(h, uid, "Отправить")
    async with h.root.session_factory() as s:
        [ticket] = (await s.scalars(select(Ticket))).all()
    assert ticket.priority == 4  # ОП1 is kept as priority 4
    await h.send_text(uid, "📋 Мои обращения")
    await tap(h, uid, ticket.number)
    assert "Приоритет: ОП1 — типовой вопрос" in (h.sent[-1].text or "")

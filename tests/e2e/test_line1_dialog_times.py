"""Times typed in line 1's /outage and /works dialogs: a day without a year near New Year, times already past, an end
before the start. Real Updates through the Dispatcher, the strict fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

import core.db
from core.outages.models import Outage
from core.planned.models import PlannedWork
from tests.e2e.harness import BotHarness
from tests.e2e.staff_helpers import LINE1_CHAT, bind, staff

LEAD = 5631
IN = {"chat_type": "supergroup", "chat_id": LINE1_CHAT}


async def _press(h: BotHarness, contains: str) -> None:
    await h.press(LEAD, h.button(LINE1_CHAT, contains), **IN)


async def _say(h: BotHarness, text: str) -> str:
    await h.send_text(LEAD, text, **IN)
    return h.last_text(LINE1_CHAT) or ""


async def test_an_outage_eta_typed_in_december_for_january_was_announced_for_the_past_january(
        harness: BotHarness, monkeypatch: Any) -> None:
    h = harness
    new_years_eve = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
    monkeypatch.setattr(core.db, "utcnow", lambda: new_years_eve)
    await bind(h, "line1", LINE1_CHAT)
    await staff(h, LEAD, line="line1")
    await h.send_text(LEAD, "/outage", **IN)
    await _press(h, "NTTM")
    await _say(h, "Не открываются наряды")
    await _say(h, "Карточка наряда")
    # a time already past is not announced to every user as the expected restoration: asked again
    assert "уже прошло (31.12.2026 09:00)" in await _say(h, "31.12 09:00")
    summary = await _say(h, "01.01 03:00")  # three hours from now, in the next year
    assert "Ожидаемое восстановление: 01.01.2027 03:00" in summary
    await _press(h, "Объявить")
    async with h.root.session_factory() as s:
        o = (await s.scalars(select(Outage))).one()
    assert o.expected_at == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)


async def test_works_times_in_the_past_or_before_the_start_were_refused_only_after_the_whole_dialog(
        harness: BotHarness) -> None:
    h = harness
    await bind(h, "line1", LINE1_CHAT)
    await staff(h, LEAD, line="line1")
    fmt = "%d.%m.%Y %H:%M"
    start = (datetime.now(h.root.tz) + timedelta(days=3)).replace(hour=22, minute=0, second=0, microsecond=0)
    await h.send_text(LEAD, "/works", **IN)
    await _press(h, "Плановые работы")
    await _press(h, "NTTM")
    await _say(h, "Обновление сервера")
    await _say(h, "Поиск нарядов")
    yesterday = (datetime.now(h.root.tz) - timedelta(days=1)).strftime(fmt)
    assert "Это время уже прошло" in await _say(h, yesterday)  # asked again at the step
    assert "Шаг 6 из 6" in await _say(h, start.strftime(fmt))
    too_early = (start - timedelta(hours=1)).strftime(fmt)
    assert f"позже начала ({start.strftime(fmt)})" in await _say(h, too_early)
    summary = await _say(h, "02:00")  # the first 02:00 after the start, the next night
    assert f"Когда: {start.strftime(fmt)} — {(start + timedelta(hours=4)).strftime(fmt)}" in summary
    await _press(h, "Объявить")
    async with h.root.session_factory() as s:
        w = (await s.scalars(select(PlannedWork))).one()
    assert (w.starts_at, w.ends_at) == (start, start + timedelta(hours=4))
    assert f"Работы №{w.id} объявлены" in (h.last_text(LINE1_CHAT) or "")

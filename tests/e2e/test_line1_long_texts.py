"""Regression: line 1's notice dialogs cut long texts without a word: what does not work after 2,000 characters,
an outage's resolution after 4,000 (Telegram lets a message have 4,096), a title after 300, a news text after
3,000 — the notice went out short and nobody knew. A text over its limit is now asked again with the limit and its
length, nothing kept half. Real Updates through the Dispatcher, the strict fake Bot API."""

from __future__ import annotations

from sqlalchemy import select

from core.broadcasts.models import Broadcast
from core.outages import service as outages
from core.outages.models import Outage
from tests.e2e.harness import BotHarness
from tests.e2e.staff_helpers import LINE1_CHAT, bind, staff

LEAD = 5751
IN = {"chat_type": "supergroup", "chat_id": LINE1_CHAT}


async def _say(h: BotHarness, text: str) -> str:
    await h.send_text(LEAD, text, **IN)
    return h.last_text(LINE1_CHAT) or ""


async def test_a_long_what_and_resolution_were_cut_silently(harness: BotHarness) -> None:
    h = harness
    await bind(h, "line1", LINE1_CHAT)
    await staff(h, LEAD, line="line1")
    await h.send_text(LEAD, "/outage", **IN)
    await h.press(LEAD, h.button(LINE1_CHAT, "NTTM"), **IN)
    assert "Шаг 3 из 4" in await _say(h, "Не открываются наряды")
    long_what = "Не открывается карточка наряда. " * 80  # 2,560 characters
    refusal = await _say(h, long_what)
    assert "2559 символов" in refusal and "не больше 2000" in refusal
    assert "Шаг 4 из 4" in await _say(h, "Карточка наряда")  # the step asked again took the shorter one
    await h.press(LEAD, h.button(LINE1_CHAT, "Пропустить"), **IN)
    await h.press(LEAD, h.button(LINE1_CHAT, "Объявить"), **IN)
    async with h.root.session_factory() as s:
        o = (await s.scalars(select(Outage))).one()
    assert o.what == "Карточка наряда"

    await h.send_text(LEAD, "/restore", **IN)
    await h.press(LEAD, h.button(LINE1_CHAT, f"№{o.id}"), **IN)
    resolution = ("Перезапустили сервис нарядов и очистили очередь. " * 90)[:4090]
    refusal = await _say(h, resolution)
    assert "4090 символов" in refusal and "не больше 4000" in refusal
    async with h.root.session_factory() as s:
        assert (await s.get(Outage, o.id)).status == "open"  # type: ignore[union-attr]
    assert f"Авария №{o.id} закрыта" in await _say(h, resolution[:3990])
    async with h.root.session_factory() as s:
        restored = await s.get(Outage, o.id)
    assert restored is not None and restored.resolution == resolution[:3990].strip()
    assert await outages.open_outages(uow=h.root.uow.read()) == []


async def test_a_long_news_title_and_text_were_cut_silently(harness: BotHarness) -> None:
    h = harness
    await bind(h, "line1", LINE1_CHAT)
    await staff(h, LEAD, line="line1")
    await h.send_text(LEAD, "/news", **IN)
    await h.press(LEAD, h.button(LINE1_CHAT, "NTTM"), **IN)
    refusal = await _say(h, "Новая инструкция " * 20)
    assert "339 символов" in refusal and "не больше 300" in refusal
    assert "Шаг 3 из 3" in await _say(h, "Новая инструкция по нарядам")
    text = "Инструкция опубликована в базе знаний. " * 90  # 3,510 characters
    assert "не больше 3000" in await _say(h, text)
    summary = await _say(h, text[:2900])
    assert "Проверьте и отправьте" in summary
    await h.press(LEAD, h.button(LINE1_CHAT, "Отправить"), **IN)
    async with h.root.session_factory() as s:
        b = (await s.scalars(select(Broadcast).where(Broadcast.kind == "news"))).one()
    assert text[:2900].strip() in b.texts["ru"]

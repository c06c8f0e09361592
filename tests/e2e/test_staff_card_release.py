"""Regression: a ticket card in a line chat had no way to make a ticket wait for a release (003 «Решение
обращения»: resolved «по факту установки соответствующего обновления Системы»): only `/release SD-… <no.> <item>`
typed in the chat did. «🚀 Решить релизом» lists the service's open releases, asks the configuration item and
links; real Updates, the strict fake Bot API."""

from __future__ import annotations

from datetime import timedelta

from bot.callbacks import CardCb, PickCb
from core.db import utcnow
from core.planned import service as planned
from core.tickets.models import Ticket
from tests.e2e.harness import BotHarness
from tests.e2e.test_staff_card import CHAT, MEMBER, USER, G, _card_of, _press, _setup, _sync, _version

LABEL = "🚀 Решить релизом"


def _card_buttons(h: BotHarness, number: str) -> list[str]:
    calls = [c for c in h.session.calls if c.chat_id == CHAT and c.name in ("sendMessage", "editMessageText")
             and c.error is None and f"📌 <b>{number}</b>" in (c.text or "")]
    return [b for row in h.buttons(calls[-1]) for b in row]


async def test_a_card_could_not_link_its_ticket_to_a_release(harness: BotHarness) -> None:
    h = harness
    t, _ = await _setup(h)
    await _sync(h)
    number = t.number or ""
    assert LABEL not in _card_buttons(h, number)  # in the queue: not in work
    await _press(h, MEMBER, "take", t)
    await _sync(h)
    assert LABEL not in _card_buttons(h, number)  # in work, but no release announced
    start = utcnow() + timedelta(minutes=30)
    w, _ = await planned.create(uow=h.root.uow(), kind="release", services=["nttm"], title="Релиз 6.1",
                                starts_at=start, ends_at=start + timedelta(hours=1), changes=["Фильтр"],
                                urgent=True, tz=h.root.tz)
    other, _ = await planned.create(uow=h.root.uow(), kind="release", services=["omnichat"], title="Чужой",
                                    starts_at=start, ends_at=start + timedelta(hours=1), changes=["X"],
                                    urgent=True, tz=h.root.tz)
    await _sync(h)
    assert LABEL in _card_buttons(h, number)  # the announcement re-rendered the card
    listed = await _press(h, MEMBER, "rel", t)
    [menu] = [c for c in listed if c.name == "sendMessage" and c.error is None]
    choices = h.button_data(menu)
    assert [k for k in choices] == [f"№{w.id}: Релиз 6.1 — {w.ends_at.astimezone(h.root.tz):%d.%m %H:%M}"]
    assert all(len(d.encode()) <= 64 for d in choices.values())
    assert [c.name for c in listed].count("answerCallbackQuery") == 1
    v = await _version(h, t.id)
    asked = await h.press(MEMBER, PickCb(a="rel", t=t.id, v=v, x=str(w.id)), message_id=menu.result.message_id, **G)
    assert any("Конфигурационная единица" in (c.text or "") for c in asked if c.name == "sendMessage")
    done = await h.send_text(MEMBER, "Интерфейс / NTTM", **G)
    assert any((c.text or "") == "Готово." for c in done)
    async with h.root.session_factory() as s:
        row = await s.get(Ticket, t.id)
        assert row is not None and (row.release_id, row.config_item) == (w.id, "Интерфейс / NTTM")
    await _sync(h)
    assert f"войдёт в релиз №{w.id}" in _card_of(h, number)
    assert LABEL not in _card_buttons(h, number)  # the only release of its service is the one it waits for
    # another service's release is never offered, a forged choice of it is refused by the use case
    v = await _version(h, t.id)
    await h.press(MEMBER, PickCb(a="rel", t=t.id, v=v, x=str(other.id)), message_id=menu.result.message_id, **G)
    refused = await h.send_text(MEMBER, "Интерфейс / NTTM", **G)
    assert any("другого сервиса" in (c.text or "") for c in refused)
    # the installation ends the offer: resolved, no button
    await planned.complete(uow=h.root.uow(), work_id=w.id, tz=h.root.tz, now=start + timedelta(minutes=40))
    await _sync(h)
    assert LABEL not in _card_buttons(h, number) and "Статус: <b>Решено" in _card_of(h, number)


async def test_a_card_release_press_by_an_outsider_was_not_refused(harness: BotHarness) -> None:
    h = harness
    t, _ = await _setup(h)
    await _sync(h)
    await _press(h, MEMBER, "take", t)
    start = utcnow() + timedelta(minutes=30)
    await planned.create(uow=h.root.uow(), kind="release", services=["nttm"], title="Релиз 6.2", starts_at=start,
                         ends_at=start + timedelta(hours=1), changes=["Фильтр"], urgent=True, tz=h.root.tz)
    await _sync(h)
    v = await _version(h, t.id)
    calls = await h.press(USER, CardCb(a="rel", t=t.id, v=v), **G)  # the requester, not staff of the chat
    [answer] = [c for c in calls if c.name == "answerCallbackQuery"]
    assert "для сотрудников группы" in (answer.params.get("text") or "")
    assert not [c for c in calls if c.name == "sendMessage"]

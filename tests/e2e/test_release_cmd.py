"""/release in a line chat: the staff member working on a ticket links it to an announced release of its service
(003 «Решение обращения»), sees the open releases, and takes it off; real Updates, the strict fake Bot API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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

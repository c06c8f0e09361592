"""Planned works and releases: 24 h lead (003) or urgent, timed notices at the right instants, restarts, late ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from app.root import Root, build_root
from core.broadcasts.models import Broadcast, BroadcastRecipient
from core.outages.models import ServiceSubscription
from core.planned.service import send_due
from tests import factories as f

API = "/api/v1/planned-works"


def _iso(dt: datetime) -> str:
    return dt.isoformat()


async def _announce(client: httpx.AsyncClient, start: datetime, hours: float = 4, **kw: Any) -> dict[str, Any]:
    body = {"services": ["nttm"], "title": "Обновление сервера БД", "what": "Создание нарядов",
            "starts_at": _iso(start), "ends_at": _iso(start + timedelta(hours=hours)), **kw}
    r = await client.post(API, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def _broadcasts(root: Root) -> list[tuple[str, set[int], dict[str, str]]]:
    async with root.session_factory() as s:
        out = []
        for b in (await s.scalars(select(Broadcast).order_by(Broadcast.id))).all():
            chats = set((await s.scalars(select(BroadcastRecipient.chat_id)
                                         .where(BroadcastRecipient.broadcast_id == b.id))).all())
            out.append((b.kind, chats, dict(b.texts)))
        return out


async def test_under_24_hours_refused_unless_urgent(root: Root, client: httpx.AsyncClient) -> None:
    soon = datetime.now().astimezone() + timedelta(hours=3)
    r = await client.post(API, json={"services": ["nttm"], "title": "Срочно", "starts_at": _iso(soon),
                                     "ends_at": _iso(soon + timedelta(hours=1))})
    assert r.status_code == 422
    assert "24 часа" in r.json()["error"]["fields"]["starts_at"]
    assert (await _broadcasts(root)) == []  # nothing announced
    made = await _announce(client, soon, urgent=True)
    assert made["work"]["urgent"] is True
    texts = (await _broadcasts(root))[0][2]
    assert "Срочные работы" in texts["ru"] and "Urgent" in texts["en"]
    report = (await client.get("/api/v1/reports/planned-works")).json()
    assert report[0]["urgent"] is True and [n["stage"] for n in report[0]["notices"]] == ["reminder", "start", "end"]
    # a day ahead needs no urgency, and claiming it then is not recorded as urgent
    later = await _announce(client, datetime.now().astimezone() + timedelta(days=2), urgent=True)
    assert later["work"]["urgent"] is False
    bad = await client.post(API, json={"services": ["nttm"], "title": "x", "starts_at": _iso(soon),
                                       "ends_at": _iso(soon - timedelta(hours=1)), "urgent": True})
    assert bad.status_code == 422 and "ends_at" in bad.json()["error"]["fields"]


async def test_timed_notices_go_out_at_their_instants_once(root: Root, client: httpx.AsyncClient) -> None:
    reporter = await f.user(root, tg_id=3101, login="rep")
    await f.incident(root, reporter, service="nttm")
    start = datetime.now().astimezone() + timedelta(days=2)
    made = await _announce(client, start)
    wid = made["work"]["id"]
    kinds = [k for k, _, _ in await _broadcasts(root)]
    assert kinds == ["planned.created"]
    assert (await _broadcasts(root))[0][1] == {3101}

    async def due(at: datetime) -> int:
        return await send_due(uow_factory=root.uow, tz=root.tz, now=at)

    assert await due(start - timedelta(hours=1, seconds=1)) == 0  # never early
    assert await due(start - timedelta(hours=1)) == 1
    assert await due(start - timedelta(minutes=30)) == 0  # never twice
    assert await due(start) == 1
    assert (await client.get(f"{API}/{wid}")).json()["status"] == "started"
    assert await due(start + timedelta(hours=4)) == 1
    sent = await _broadcasts(root)
    assert [k for k, _, _ in sent] == ["planned.created", "planned.reminder", "planned.start", "planned.end"]
    assert all(chats == {3101} for _, chats, _ in sent)
    assert "начнутся в" in sent[1][2]["ru"] and "запоздало" not in sent[1][2]["ru"]
    d = (await client.get(f"{API}/{wid}")).json()
    assert d["status"] == "completed" and [n["outcome"] for n in d["notices"]] == ["sent", "sent", "sent"]


async def test_restart_between_creation_and_reminder_neither_loses_nor_repeats(root: Root,
                                                                               client: httpx.AsyncClient) -> None:
    await f.incident(root, await f.user(root, tg_id=3102, login="rep2"), service="nttm")
    start = datetime.now().astimezone() + timedelta(days=2)
    await _announce(client, start)
    await root.shutdown()
    again = build_root(root.settings, with_bot=False)
    await again.startup()  # its catch-up pass finds nothing due yet
    try:
        assert await send_due(uow_factory=again.uow, tz=again.tz, now=start - timedelta(minutes=59)) == 1
        assert await send_due(uow_factory=again.uow, tz=again.tz, now=start - timedelta(minutes=58)) == 0
        kinds = [k for k, _, _ in await _broadcasts(again)]
        assert kinds == ["planned.created", "planned.reminder"]
    finally:
        await again.shutdown()


async def test_a_notice_missed_while_down_goes_out_late_or_is_dropped(root: Root, client: httpx.AsyncClient) -> None:
    await f.incident(root, await f.user(root, tg_id=3103, login="rep3"), service="nttm")
    start = datetime.now().astimezone() + timedelta(days=2)
    first = (await _announce(client, start))["work"]["id"]
    second = (await _announce(client, start, hours=1, title="Вторые работы"))["work"]["id"]
    # down from before the reminder until 10 minutes after the start: the reminder is dropped, the start is late
    assert await send_due(uow_factory=root.uow, tz=root.tz, now=start + timedelta(minutes=10)) == 4
    d = (await client.get(f"{API}/{first}")).json()
    assert [n["outcome"] for n in d["notices"][:2]] == ["dropped", "late"]
    late_start = [t for k, _, t in await _broadcasts(root) if k == "planned.start"]
    assert len(late_start) == 2 and "запоздало" in late_start[0]["ru"] and "late" in late_start[0]["en"]
    # down past the end of the second works: the end notice goes out late, nothing else
    assert await send_due(uow_factory=root.uow, tz=root.tz, now=start + timedelta(hours=2)) == 1
    d2 = (await client.get(f"{API}/{second}")).json()
    assert [n["outcome"] for n in d2["notices"]] == ["dropped", "late", "late"] and d2["status"] == "completed"


async def test_extend_complete_and_cancel_tell_those_told(root: Root, client: httpx.AsyncClient) -> None:
    await f.incident(root, await f.user(root, tg_id=3104, login="rep4"), service="nttm")
    start = datetime.now().astimezone() + timedelta(days=2)
    wid = (await _announce(client, start))["work"]["id"]
    await _mark_sent(root)
    new_end = start + timedelta(hours=6)
    r = await client.post(f"{API}/{wid}/extend", json={"ends_at": _iso(new_end)})
    assert r.status_code == 200 and r.json()["work"]["extended_count"] == 1
    ends = [n for n in (await client.get(f"{API}/{wid}")).json()["notices"] if n["stage"] == "end"]
    assert datetime.fromisoformat(ends[0]["due_at"]) == new_end
    assert (await client.post(f"{API}/{wid}/extend", json={"ends_at": _iso(start)})).status_code == 422
    assert (await client.post(f"{API}/{wid}/complete")).status_code == 409  # not started yet
    r = await client.post(f"{API}/{wid}/cancel", json={"reason": "Перенос на январь"})
    assert r.status_code == 200 and r.json()["work"]["status"] == "cancelled"
    kinds = {k: chats for k, chats, _ in await _broadcasts(root)}
    assert kinds["planned.extended"] == {3104} and kinds["planned.cancelled"] == {3104}
    assert await send_due(uow_factory=root.uow, tz=root.tz, now=new_end + timedelta(days=1)) == 0
    assert (await client.post(f"{API}/{wid}/cancel", json={})).status_code == 409


async def test_a_release_skips_who_turned_releases_off(root: Root, client: httpx.AsyncClient) -> None:
    keen = await f.user(root, tg_id=3105, login="keen")
    quiet = await f.user(root, tg_id=3106, login="quiet")
    for u in (keen, quiet):
        await f.incident(root, u, service="nttm")
    async with root.session_factory() as s:
        s.add(ServiceSubscription(user_id=quiet.id, service_code="nttm", releases=False))
        await s.commit()
    start = datetime.now().astimezone() + timedelta(days=3)
    await _announce(client, start, kind="release", changes=["Новый фильтр нарядов"])
    await _announce(client, start, title="Работы", kind="works")
    (_, rchats, rtexts), (_, wchats, _) = await _broadcasts(root)
    assert rchats == {3105} and "Новый фильтр нарядов" in rtexts["ru"] and "релиз" in rtexts["ru"]
    assert wchats == {3105, 3106}  # works reach everyone who uses the service


async def _mark_sent(root: Root) -> None:
    # what the broadcast sender does once a notice is out (no bot in these tests)
    from sqlalchemy import update

    async with root.session_factory() as s:
        await s.execute(update(BroadcastRecipient).values(status="sent", message_id=1))
        await s.commit()


async def test_a_release_without_its_list_of_changes_is_refused(root: Root, client: httpx.AsyncClient) -> None:
    # 003 «Выполнение обновлений ПО Системы»: the release notice carries the list of changes; an announcement
    # without it was sent as it was
    start = datetime.now().astimezone() + timedelta(days=3)
    body = {"services": ["nttm"], "title": "Релиз 5.2", "kind": "release", "starts_at": _iso(start),
            "ends_at": _iso(start + timedelta(hours=2))}
    for changes in ([], ["  "]):
        r = await client.post(API, json={**body, "changes": changes})
        assert r.status_code == 422, r.text
        assert "изменени" in r.json()["error"]["fields"]["changes"]
    assert (await _broadcasts(root)) == []  # nothing announced
    await _announce(client, start, kind="release", changes=["Экспорт в Excel"])
    await _announce(client, start, kind="works")  # works need no list of changes

"""A ticket whose fix ships in a release waits for it (003 «Решение обращения»: «Если устранение дефекта
реализовано в патче/обновлении, то разрешение обращения выполняется по факту установки соответствующего
обновления Системы»): linked, resolved when the release is installed, unlinked when it is cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy import select

from app.root import Root
from bot.delivery.render import Texts, render
from bot.staff.notify import plan_staff_notices
from core.outbox.models import OutboxEvent
from core.planned import service as planned
from core.planned.models import PlannedWork
from core.sla.models import TicketSla
from tests import factories as f

ITEM = "Интерфейс / NTTM"


async def _release(client: httpx.AsyncClient, start: datetime, *, services: tuple[str, ...] = ("nttm",),
                   kind: str = "release") -> int:
    body: dict[str, Any] = {"services": list(services), "title": "Релиз 5.3", "kind": kind, "urgent": True,
                            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
                            "changes": ["Исправлено сохранение наряда"]}
    r = await client.post("/api/v1/planned-works", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["work"]["id"])


async def _taken(root: Root, client: httpx.AsyncClient, staff_id: int, tg_id: int) -> int:
    t = await f.incident(root, await f.user(root, tg_id=tg_id, login=f"u{tg_id}"))
    r = await client.post(f"/api/v1/tickets/{t.id}/actions", json={"action": "take", "staff_id": staff_id})
    assert r.status_code == 200, r.text
    return t.id


async def _link(client: httpx.AsyncClient, tid: int, staff_id: int, **kw: Any) -> httpx.Response:
    return await client.post(f"/api/v1/tickets/{tid}/actions",
                             json={"action": "link_release", "staff_id": staff_id, **kw})


async def _events(root: Root, topic: str) -> list[OutboxEvent]:
    async with root.session_factory() as s:
        return list((await s.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic)
                                     .order_by(OutboxEvent.id))).all())


async def test_a_ticket_could_not_be_linked_to_the_release_that_fixes_it(root: Root,
                                                                          client: httpx.AsyncClient) -> None:
    line2 = await f.staff(root, line="line2", tg_id=6101)
    start = datetime.now().astimezone() + timedelta(minutes=30)
    rid = await _release(client, start)
    works = await _release(client, start, kind="works")
    other = await _release(client, start, services=("omnichat",))
    tid = await _taken(root, client, line2.id, 3201)
    assert (await _link(client, tid, line2.id, config_item=ITEM)).status_code == 422  # no release
    assert (await _link(client, tid, line2.id, release_id=works, config_item=ITEM)).status_code == 404
    r = await _link(client, tid, line2.id, release_id=other, config_item=ITEM)
    assert r.status_code == 422 and "другого сервиса" in r.json()["error"]["fields"]["release_id"]
    r = await _link(client, tid, line2.id, release_id=rid)  # the class of the problem comes with the link
    assert r.status_code == 422 and "config_item" in r.json()["error"]["fields"]
    outsider = await f.staff(root, line="line1", tg_id=6102)
    assert (await _link(client, tid, outsider.id, release_id=rid, config_item=ITEM)).status_code == 403
    r = await _link(client, tid, line2.id, release_id=rid, config_item=ITEM)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["release_id"], body["config_item"]) == ("in_progress", rid, ITEM)
    detail = (await client.get(f"/api/v1/tickets/{tid}")).json()
    assert [h["details"]["release"] for h in detail["history"] if h["action"] == "link_release"] == ["Релиз 5.3"]
    async with root.session_factory() as s:
        sla = await s.scalar(select(TicketSla).where(TicketSla.ticket_id == tid))
    assert sla is not None and sla.paused_since is None  # the clock runs: it stops only for the requester
    ev = (await _events(root, "ticket.link_release"))[0]
    notice = render(ev.topic, ev.payload, channel=None, tr=Texts(None, "ru"))
    assert notice is not None and "Релиз 5.3" in notice.text  # the requester hears what they wait for
    assert (await _link(client, tid, line2.id, release_id=rid, config_item=ITEM)).status_code == 409


async def test_a_ticket_waiting_for_a_release_was_not_resolved_when_it_was_installed(
        root: Root, client: httpx.AsyncClient) -> None:
    line2 = await f.staff(root, line="line2", tg_id=6111)
    start = datetime.now().astimezone() + timedelta(minutes=30)
    rid = await _release(client, start)
    working = await _taken(root, client, line2.id, 3211)
    asked = await _taken(root, client, line2.id, 3212)
    for tid in (working, asked):
        assert (await _link(client, tid, line2.id, release_id=rid, config_item=ITEM)).status_code == 200
    r = await client.post(f"/api/v1/tickets/{asked}/actions",
                          json={"action": "request_info", "staff_id": line2.id, "text": "Какой браузер?"})
    assert r.status_code == 200
    assert (await client.get(f"/api/v1/planned-works/{rid}")).json()["tickets"] == [working, asked]
    installed = start + timedelta(hours=1)
    await planned.complete(uow=root.uow(), work_id=rid, tz=root.tz, now=installed)
    t = (await client.get(f"/api/v1/tickets/{working}")).json()
    assert (t["status"], t["closing_code"], t["config_item"]) == ("resolved", "resolved", ITEM)
    assert "релиза №" in t["solution"] and "Релиз 5.3" in t["solution"]
    async with root.session_factory() as s:
        w = await s.get(PlannedWork, rid)
        assert w is not None and w.finished_at is not None
        # one transaction: the release's end and the resolution carry the same instant
        assert datetime.fromisoformat(t["resolved_at"]) == w.finished_at
    resolved = [e for e in await _events(root, "ticket.resolve") if e.ticket_id == working]
    assert resolved and resolved[0].payload["actor_id"] == line2.id
    notice = render("ticket.resolve", resolved[0].payload, channel=None, tr=Texts(None, "ru"))
    assert notice is not None and "Релиз 5.3" in notice.text and notice.markup is not None  # confirm / reject
    # waiting for its requester it cannot be resolved: off the release, its holder told to resolve it
    a = (await client.get(f"/api/v1/tickets/{asked}")).json()
    assert (a["status"], a["release_id"]) == ("waiting_user", None)
    ev = next(e for e in await _events(root, "ticket.unlink_release") if e.ticket_id == asked)
    told = await _staff_told(root, ev)
    assert [x.chat_id for x in told] == [6111] and "вручную" in told[0].text
    assert (await client.get(f"/api/v1/planned-works/{rid}")).json()["tickets"] == [working]  # the record stays
    # the requester says it did not help: back in work, no longer waiting for the installed release
    r = await client.post(f"/api/v1/tickets/{working}/actions",
                          json={"action": "reject", "user_id": t["requester_id"], "text": "Всё ещё ошибка"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["release_id"]) == ("in_progress", None)

    # a release that ends on its announced time (the end notice) is installed too
    rid2 = await _release(client, start)
    later = await _taken(root, client, line2.id, 3213)
    assert (await _link(client, later, line2.id, release_id=rid2, config_item=ITEM)).status_code == 200
    await planned.send_due(uow_factory=root.uow, tz=root.tz, now=start + timedelta(hours=2))
    assert (await client.get(f"/api/v1/tickets/{later}")).json()["status"] == "resolved"


async def test_a_cancelled_release_left_its_tickets_waiting(root: Root, client: httpx.AsyncClient) -> None:
    line2 = await f.staff(root, line="line2", tg_id=6121)
    start = datetime.now().astimezone() + timedelta(minutes=30)
    rid = await _release(client, start)
    tid = await _taken(root, client, line2.id, 3221)
    assert (await _link(client, tid, line2.id, release_id=rid, config_item=ITEM)).status_code == 200
    r = await client.post(f"/api/v1/planned-works/{rid}/cancel", json={"reason": "Найден дефект в сборке"})
    assert r.status_code == 200, r.text
    t = (await client.get(f"/api/v1/tickets/{tid}")).json()
    assert (t["status"], t["release_id"], t["resolved_at"]) == ("in_progress", None, None)
    ev = next(e for e in await _events(root, "ticket.unlink_release") if e.ticket_id == tid)
    assert ev.payload["actor_kind"] == "system" and "Найден дефект в сборке" in ev.payload["text"]
    told = await _staff_told(root, ev)
    assert [x.chat_id for x in told] == [6121] and "больше не ждёт релиза" in told[0].text
    # back in work: its holder can link it to another release or resolve it by hand
    rid2 = await _release(client, start)
    assert (await _link(client, tid, line2.id, release_id=rid2, config_item=ITEM)).status_code == 200


async def _staff_told(root: Root, ev: OutboxEvent) -> list[Any]:
    async with root.session_factory() as s:  # what the delivery worker plans for this event
        return await plan_staff_notices(s, ev, SimpleNamespace(i18n=None))  # type: ignore[arg-type]

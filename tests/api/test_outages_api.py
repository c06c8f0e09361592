"""POST /api/v1/outages, updates, restore, ticket links, a service's audience by CSV, GET /reports/outages."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import select

from app.root import Root
from core.broadcasts.models import Broadcast, BroadcastRecipient
from tests import factories as f


async def test_outage_lifecycle_over_the_api_and_its_report(root: Root, client: httpx.AsyncClient) -> None:
    reporter = await f.user(root, tg_id=3001, login="rep")
    t = await f.incident(root, reporter, service="nttm")
    line1 = await f.staff(root, line="line2", tg_id=5002, manager=True)  # may resolve any ticket
    r = await client.post("/api/v1/outages", json={"services": ["nttm"], "title": "NTTM недоступен",
                                                   "what": "Вход", "declared_by": "Петров"})
    assert r.status_code == 201, r.text
    oid, bid = r.json()["outage"]["id"], r.json()["broadcast_id"]
    assert (await client.get(f"/api/v1/broadcasts/{bid}")).json()["total"] == 2  # the reporter, the manager
    assert (await client.post(f"/api/v1/outages/{oid}/tickets", json={"ticket_id": t.id})).status_code == 204
    assert (await client.post(f"/api/v1/outages/{oid}/updates", json={"details": "Чиним",
                                                                      "problem": "Причина неизвестна"})
            ).status_code == 201
    r = await client.post(f"/api/v1/outages/{oid}/restore", json={"resolution": "Починили", "staff_id": line1.id})
    assert r.status_code == 200, r.text
    assert r.json()["resolved_tickets"] == [t.id] and r.json()["outage"]["status"] == "restored"
    assert (await client.post(f"/api/v1/outages/{oid}/restore", json={"resolution": "x", "staff_id": line1.id})
            ).status_code == 409

    rep = (await client.get("/api/v1/reports/outages")).json()
    assert rep[0]["linked_tickets"] == [t.id] and rep[0]["declared_by"] == "Петров"
    assert rep[0]["problem"] == "Причина неизвестна" and rep[0]["duration_minutes"] is not None
    r = await client.get("/api/v1/reports/outages", params={"format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert table[0]["title"] == "NTTM недоступен" and table[0]["linked_tickets"] == str(t.id)


async def test_restored_over_the_api_recorded_staff_n_instead_of_the_name(root: Root,
                                                                           client: httpx.AsyncClient) -> None:
    line1 = await f.staff(root, line="line1", tg_id=5003)
    r = await client.post("/api/v1/outages", json={"services": ["nttm"], "title": "NTTM недоступен", "what": "Вход"})
    oid = r.json()["outage"]["id"]
    r = await client.post(f"/api/v1/outages/{oid}/restore", json={"resolution": "Починили", "staff_id": line1.id})
    assert r.status_code == 200, r.text
    rep = (await client.get("/api/v1/reports/outages")).json()
    assert rep[0]["restored_by"] == "Сотрудник 5003"  # the name, as a restore from line 1's chat records it


async def test_unknown_service_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/outages", json={"services": ["nope"], "title": "x"})
    assert r.status_code == 422 and "nope" in r.text


async def test_audience_csv_adds_by_login_or_email_and_lists_the_unknown(root: Root,
                                                                          client: httpx.AsyncClient) -> None:
    await f.user(root, tg_id=3002, login="a.petrov", email="a.petrov@example.ru")
    await f.user(root, tg_id=3003, login="b.sidorov", email="b@example.ru")
    r = await client.post("/api/v1/services/nttm/audience", content="login\nA.Petrov\nb@example.ru\nghost\n",
                          headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json() == {"added": 2, "already": 0, "unknown": ["ghost"]}
    r = await client.post("/api/v1/outages", json={"services": ["nttm"], "title": "t"})
    bid = r.json()["broadcast_id"]
    async with root.session_factory() as s:
        from sqlalchemy import select

        chats = set((await s.scalars(select(BroadcastRecipient.chat_id)
                                     .where(BroadcastRecipient.broadcast_id == bid))).all())
    assert chats == {3002, 3003}
    assert (await client.post("/api/v1/services/none/audience", content="x",
                              headers={"Content-Type": "text/csv"})).status_code == 404


async def test_restoration_and_update_notices_did_not_name_the_service(root: Root, client: httpx.AsyncClient) -> None:
    # 003 «Восстановления доступности Системы»: the notice says which system is back; a title need not name it
    r = await client.post("/api/v1/outages", json={"services": ["nttm", "clm"], "title": "Не открываются наряды",
                                                   "what": "Вход"})
    oid = r.json()["outage"]["id"]
    assert (await client.post(f"/api/v1/outages/{oid}/updates", json={"details": "Чиним"})).status_code == 201
    line1 = await f.staff(root, line="line1", tg_id=5004)
    r = await client.post(f"/api/v1/outages/{oid}/restore", json={"resolution": "Починили", "staff_id": line1.id})
    assert r.status_code == 200, r.text
    async with root.session_factory() as s:
        texts = {b.kind: b.texts for b in (await s.scalars(select(Broadcast))).all()}
    for kind in ("outage.update", "outage.restored"):
        assert "Сервис: NTTM, CLM" in texts[kind]["ru"] and "Service: NTTM, CLM" in texts[kind]["en"], kind

"""Tickets for line 1: by number, full-text in title and details, filters (requester, МРФ, SLA, dates), and the
requester's name and contacts in the body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.root import Root
from tests import factories as f


async def _ids(client: httpx.AsyncClient, **params: Any) -> list[int]:
    r = await client.get("/api/v1/tickets", params=params)
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["items"]]


async def test_a_ticket_by_its_number_or_id(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    t = await f.incident(root, u)
    for ref in (t.number, str(t.id), f"sd{t.id}", f"SD-{t.id}"):
        r = await client.get(f"/api/v1/tickets/{ref}")
        assert r.status_code == 200, (ref, r.text)
        assert r.json()["id"] == t.id
    assert (await client.get("/api/v1/tickets/SD-999999")).status_code == 404
    for bad in ("SD-abc", "99999999999", "0", "SD-0", "x" * 30):
        r = await client.get(f"/api/v1/tickets/{bad}")
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_failed", (bad, r.text)


async def test_the_requesters_name_and_contacts_are_in_the_body(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root, tg_id=4101, login="m.markova", full_name="Маркова Мария", region="Сибирь")
    t = await f.incident(root, u)
    want = {"id": u.id, "full_name": "Маркова Мария", "login": "m.markova", "email": "m.markova@example.ru",
            "region": "Сибирь", "organisation": None, "telegram": True}
    assert (await client.get(f"/api/v1/tickets/{t.id}")).json()["requester"] == want
    assert (await client.get("/api/v1/tickets")).json()["items"][0]["requester"] == want
    s = await f.staff(root)
    r = await client.post(f"/api/v1/tickets/{t.id}/actions", json={"action": "take", "staff_id": s.id})
    assert r.json()["requester"] == want


async def test_full_text_in_title_and_details_any_case(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    crash = await f.incident(root, u, actual="Ошибка 500 при сохранении карточки")
    slow = await f.incident(root, u, actual="Медленно открывается отчёт", examples="наряд 777-ABC")
    assert await _ids(client, q="ошибка 500") == [crash.id]  # the title, casefolded (SQLite folds ASCII only)
    assert await _ids(client, q="ОТЧЁТ") == [slow.id]
    assert await _ids(client, q="777-abc") == [slow.id]  # a detail that is not the title
    assert sorted(await _ids(client, q="карточк")) == sorted([crash.id, slow.id])  # «steps» of both
    assert await _ids(client, q=slow.number) == [slow.id]
    assert await _ids(client, q="100%") == []
    assert (await client.get("/api/v1/tickets", params={"q": "x" * 201})).status_code == 422


async def test_filters_requester_region_and_creation_dates(client: httpx.AsyncClient, root: Root) -> None:
    volga = await f.user(root, tg_id=4201, login="v.one", region="Волга")
    ural = await f.user(root, tg_id=4202, login="u.two", region="Урал")
    old = await f.incident(root, volga)
    new = await f.incident(root, ural)
    assert await _ids(client, requester=volga.id) == [old.id]
    assert await _ids(client, region="Урал") == [new.id]
    assert await _ids(client, region="Урал", requester=volga.id) == []
    assert await _ids(client, region="урал") == [new.id]  # any case, a part of the name
    assert await _ids(client, region="вол") == [old.id]
    assert await _ids(client, region="Сибирь") == []
    now = datetime.now(UTC)
    assert sorted(await _ids(client, created_from=(now - timedelta(hours=1)).isoformat())) == sorted([old.id, new.id])
    assert await _ids(client, created_to=(now - timedelta(hours=1)).isoformat()) == []
    naive = await client.get("/api/v1/tickets", params={"created_from": "2026-12-01T10:00:00"})
    assert naive.status_code == 422 and "created_from" in naive.json()["error"]["fields"]


async def test_breached_and_due_before(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    from core.tickets import service as tickets

    # a P1 registered two days ago (24x7 reaction: 30 minutes) is overdue; a fresh P3 is not
    late = await tickets.register(uow=root.uow(), service_code="nttm", request_type="incident", priority=1,
                                  requester_id=u.id, fields=dict(f.INCIDENT_FIELDS),
                                  now=datetime.now(UTC) - timedelta(days=2))
    fresh = await f.incident(root, u)
    assert await _ids(client, breached="true") == [late.id]
    assert await _ids(client, breached="false") == [fresh.id]
    soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert await _ids(client, due_before=soon) == [late.id]
    far = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    assert sorted(await _ids(client, due_before=far)) == sorted([late.id, fresh.id])
    s = await f.staff(root, line="line2")
    for body in ({"action": "take", "staff_id": s.id}, {"action": "cancel", "staff_id": s.id}):
        assert (await client.post(f"/api/v1/tickets/{fresh.id}/actions", json=body)).status_code == 200
    assert await _ids(client, due_before=far) == [late.id]  # a stopped clock has nothing due

"""Tickets over HTTP: line-1 registration, search with filters and pages, detail with history, actions, comments."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from app.root import Root
from core.catalog.models import User
from core.tickets.models import Ticket
from tests import factories as f

REQUESTER = {"full_name": "Сидоров Семён", "login": "s.sidorov", "email": "s.sidorov@example.ru",
             "region": "МРФ Волга"}


def incident(**over: Any) -> dict[str, Any]:
    return {"service": "nttm", "type": "incident", "priority": 3, "requester": REQUESTER,
            "fields": dict(f.INCIDENT_FIELDS), **over}


async def _count(root: Root, model: type) -> int:
    async with root.session_factory() as s:
        return await s.scalar(select(func.count()).select_from(model)) or 0


async def _staff(client: httpx.AsyncClient, line: str, tg_id: int, **flags: bool) -> int:
    r = await client.post("/api/v1/staff", json={"line_code": line, "user": {"tg_id": tg_id, "full_name": "Сотрудник"},
                                                 **flags})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_register_on_behalf_creates_requester_once(client: httpx.AsyncClient, root: Root) -> None:
    s1 = await _staff(client, "line1", 501)
    r = await client.post("/api/v1/tickets", json=incident(staff_id=s1, channel="email"))
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["number"] == f"SD-{t['id']:06d}" and t["created_at"]
    assert (t["status"], t["line"], t["priority"], t["service"], t["channel"]) == (
        "assigned", "line2", 3, "nttm", "email")
    assert t["fields"]["actual"] == f.INCIDENT_FIELDS["actual"] and "take" in t["allowed_actions"]
    again = await client.post("/api/v1/tickets", json=incident(priority=2))
    assert again.status_code == 201 and again.json()["requester_id"] == t["requester_id"]
    assert again.json()["channel"] == "phone"
    assert await _count(root, User) == 2  # the requester and the staff member
    hist = (await client.get(f"/api/v1/tickets/{t['id']}")).json()["history"]
    assert (hist[0]["action"], hist[0]["actor_kind"], hist[0]["actor_id"]) == ("register", "staff", s1)
    assert hist[0]["details"] == {"channel": "email"}


async def test_missing_intake_fields_are_listed_and_nothing_is_written(client: httpx.AsyncClient, root: Root) -> None:
    r = await client.post("/api/v1/tickets", json=incident(fields={"steps": "Открыл карточку и нажал «Сохранить»"}))
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_failed"
    assert {"expected", "actual"} <= set(err["fields"])  # NTTM's list (003)
    assert "steps" not in err["fields"] and "Фактический результат" in err["fields"]["actual"]
    assert "Пример" in err["fields"]["expected"]
    # the unknown requester is not left behind by a refused registration
    assert await _count(root, User) == 0 and await _count(root, Ticket) == 0


async def test_access_request_takes_profile_fields_from_the_requester(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/tickets", json=incident(type="access_request", fields={"role": "Оператор КЦ"}))
    assert r.status_code == 201, r.text
    assert r.json()["line"] == "line1" and r.json()["fields"]["region"] == "МРФ Волга"
    no_region = await client.post("/api/v1/tickets", json=incident(
        type="access_request", fields={"role": "Оператор КЦ"},
        requester={"full_name": "Новиков Н.", "email": "novikov@example.ru"}))
    assert no_region.status_code == 422 and set(no_region.json()["error"]["fields"]) == {"login", "region"}


async def test_register_body_validation(client: httpx.AsyncClient) -> None:
    cases = [
        (incident(priority=7), "priority"),
        (incident(type="complaint"), "type"),
        (incident(channel="fax"), "channel"),
        (incident(requester={"full_name": "Без контактов"}), "requester"),
        (incident(urgent=True), "urgent"),
        ({k: v for k, v in incident().items() if k != "service"}, "service"),
    ]
    for body, field in cases:
        r = await client.post("/api/v1/tickets", json=body)
        assert r.status_code == 422, (field, r.text)
        assert field in r.json()["error"]["fields"], (field, r.json())
    assert (await client.post("/api/v1/tickets", json=incident(service="nope"))).status_code == 404
    assert (await client.post("/api/v1/tickets", json=incident(staff_id=999999))).status_code == 404


async def test_contract_bound_service_is_refused_without_contract(client: httpx.AsyncClient) -> None:
    body = incident(service="tecon", priority=None, fields={"description": "Не запускается модуль опроса"})
    r = await client.post("/api/v1/tickets", json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "contract_required"
    assert "договору" in r.json()["error"]["message"]


async def test_list_filters_and_pagination(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    s = await f.staff(root, line="line2")
    ids = [(await f.incident(root, u, priority=1 + i % 4)).id for i in range(7)]
    await f.incident(root, u, service="omnichat", priority=2, environment="prod")  # ОмниЧат: all to 1ЛТП
    taken = await client.post(f"/api/v1/tickets/{ids[0]}/actions", json={"action": "take", "staff_id": s.id})
    assert taken.status_code == 200
    page1 = (await client.get("/api/v1/tickets", params={"per_page": 3})).json()
    assert (page1["total"], page1["page"], page1["per_page"], len(page1["items"])) == (8, 1, 3, 3)
    page3 = (await client.get("/api/v1/tickets", params={"per_page": 3, "page": 3})).json()
    assert len(page3["items"]) == 2 and page3["items"][-1]["id"] == ids[0]  # newest first
    seen = {t["id"] for p in (1, 2, 3) for t in (await client.get(
        "/api/v1/tickets", params={"per_page": 3, "page": p})).json()["items"]}
    assert len(seen) == 8

    async def ids_for(**params: Any) -> set[int]:
        body = (await client.get("/api/v1/tickets", params=params)).json()
        assert body["total"] == len(body["items"])
        return {t["id"] for t in body["items"]}

    assert await ids_for(service="nttm") == set(ids)
    assert len(await ids_for(service="omnichat")) == 1
    assert await ids_for(priority=1) == {ids[0], ids[4]}
    assert await ids_for(status="in_progress") == {ids[0]}
    assert await ids_for(assignee=s.id) == {ids[0]}
    assert await ids_for(line="line2", status="assigned") == set(ids[1:])
    assert await ids_for(line="line1") == await ids_for(service="omnichat")
    for bad in ({"per_page": 101}, {"page": 0}, {"status": "lost"}, {"priority": 9}):
        r = await client.get("/api/v1/tickets", params=bad)
        assert r.status_code == 422 and set(bad) <= set(r.json()["error"]["fields"]), bad


async def test_detail_history_and_comments(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    s = await f.staff(root, line="line2")
    t = await f.incident(root, u)
    steps = [{"action": "take", "staff_id": s.id},
             {"action": "request_info", "staff_id": s.id, "text": "Пришлите номер наряда"},
             {"action": "user_answers", "user_id": u.id, "text": "Наряд 7788"},
             {"action": "resolve", "staff_id": s.id, "text": "Исправлен справочник", **f.CLOSING},
             {"action": "confirm", "user_id": u.id}]
    for body in steps:
        r = await client.post(f"/api/v1/tickets/{t.id}/actions", json=body)
        assert r.status_code == 200, (body, r.text)
    assert r.json()["status"] == "closed" and r.json()["closing_code"] == "resolved"
    d = (await client.get(f"/api/v1/tickets/{t.id}")).json()
    assert [h["action"] for h in d["history"]] == ["register", "take", "request_info", "user_answers", "resolve",
                                                  "confirm"]
    take = d["history"][1]
    assert (take["actor_kind"], take["actor_id"], take["from_status"], take["to_status"]) == (
        "staff", s.id, "assigned", "in_progress")
    assert d["history"][4]["details"]["text"] == "Исправлен справочник"
    assert [c["text"] for c in d["comments"]] == ["Пришлите номер наряда", "Наряд 7788"]
    assert d["solution"] == "Исправлен справочник" and d["allowed_actions"] == []
    assert "sla" in d
    assert (await client.get("/api/v1/tickets/999999")).status_code == 404


async def test_illegal_forbidden_and_bad_actions(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    line1 = await f.staff(root, line="line1", tg_id=6001)
    line2 = await f.staff(root, line="line2", tg_id=6002)
    t = await f.incident(root, u)
    url = f"/api/v1/tickets/{t.id}/actions"
    r = await client.post(url, json={"action": "confirm", "user_id": u.id})
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "illegal_transition" and "assigned" in err["message"] and "confirm" in err["message"]
    r = await client.post(url, json={"action": "take", "staff_id": line1.id})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    other = await f.user(root, tg_id=3003, login="o.other")
    assert (await client.post(url, json={"action": "cancel", "user_id": other.id})).status_code == 403
    neither = await client.post(url, json={"action": "take"})
    assert neither.status_code == 422 and neither.json()["error"]["code"] == "validation_failed"
    both = await client.post(url, json={"action": "take", "staff_id": line2.id, "user_id": u.id})
    assert both.status_code == 422
    unknown = await client.post(url, json={"action": "fly", "staff_id": line2.id})
    assert unknown.status_code == 422 and "action" in unknown.json()["error"]["fields"]
    assert (await client.post(url, json={"action": "take", "staff_id": 999999})).status_code == 404
    assert (await client.post("/api/v1/tickets/999999/actions",
                              json={"action": "take", "staff_id": line2.id})).status_code == 404
    esc = await client.post(url, json={"action": "escalate", "staff_id": line2.id, "to_line": "line1"})
    assert esc.status_code == 422 and "to_line" in esc.json()["error"]["fields"]
    assert (await client.get(f"/api/v1/tickets/{t.id}")).json()["status"] == "assigned"
    ok = await client.post(url, json={"action": "escalate", "staff_id": line2.id, "to_line": "line3",
                                      "reason": "нужна доработка", "defect": "Карточка не сохраняется",
                                      "fix_requirements": "Карточка сохраняется с пустым полем"})
    assert ok.status_code == 200 and ok.json()["line"] == "line3" and ok.json()["status"] == "assigned"
    # once escalated, line 2 no longer works on it; line 1 (the desk) may still re-prioritise
    prio = await client.post(url, json={"action": "change_priority", "staff_id": line2.id, "priority": 1})
    assert prio.status_code == 403 and prio.json()["error"]["code"] == "forbidden"
    prio = await client.post(url, json={"action": "change_priority", "staff_id": line1.id, "priority": 1})
    assert prio.status_code == 200 and prio.json()["priority"] == 1


async def test_comments(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    s = await f.staff(root, line="line2")
    t = await f.incident(root, u)
    url = f"/api/v1/tickets/{t.id}/comments"
    r = await client.post(url, json={"text": "Проверяем логи", "public": False, "staff_id": s.id})
    assert r.status_code == 201, r.text
    assert (r.json()["author_kind"], r.json()["author_id"], r.json()["public"]) == ("staff", s.id, False)
    r = await client.post(url, json={"text": "Спасибо", "user_id": u.id})
    assert r.status_code == 201 and r.json()["public"] is True
    assert (await client.post(url, json={"text": "тайком", "public": False, "user_id": u.id})).status_code == 403
    assert (await client.post(url, json={"text": "кто я", "staff_id": 999999})).status_code == 404
    empty = await client.post(url, json={"text": "", "staff_id": s.id})
    assert empty.status_code == 422 and "text" in empty.json()["error"]["fields"]
    assert (await client.post(url, json={"text": "ничей"})).status_code == 422
    assert (await client.post("/api/v1/tickets/999999/comments",
                              json={"text": "x", "staff_id": s.id})).status_code == 404
    d = (await client.get(f"/api/v1/tickets/{t.id}")).json()
    assert [(c["text"], c["public"]) for c in d["comments"]] == [("Проверяем логи", False), ("Спасибо", True)]
    assert [h["action"] for h in d["history"]] == ["register", "comment", "comment"]
    await client.post(f"/api/v1/tickets/{t.id}/actions", json={"action": "cancel", "user_id": u.id})
    closed = await client.post(url, json={"text": "после отмены", "staff_id": s.id})
    assert closed.status_code == 409


async def test_no_linked_request_of_an_adjacent_systems_support_could_be_recorded(client: httpx.AsyncClient,
                                                                                   root: Root) -> None:
    # 003 «Поддержка интеграционных интерфейсов»: «В случае если проблема определена на стороне смежной системы,
    # в рамках инцидента в OTRS создается связанная заявка на соответствующую услугу на ТП смежной системы»: the
    # requester could give related numbers at intake, staff had no way to record the request they opened later
    u = await f.user(root)
    line2 = await f.staff(root, line="line2", tg_id=6011)
    t = await f.incident(root, u, external_refs="CRM-1")
    url = f"/api/v1/tickets/{t.id}/actions"
    assert (await client.post(url, json={"action": "take", "staff_id": line2.id})).status_code == 200
    r = await client.post(url, json={"action": "link_external", "staff_id": line2.id, "external_system": "ЕИП"})
    assert r.status_code == 422 and "external_number" in r.json()["error"]["fields"]
    r = await client.post(url, json={"action": "link_external", "staff_id": line2.id, "external_system": "ЕИП",
                                     "external_number": "INC-4512"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "in_progress" and body["fields"]["external_refs"] == "CRM-1\nЕИП: INC-4512"
    detail = (await client.get(f"/api/v1/tickets/{t.id}")).json()
    step = [h for h in detail["history"] if h["action"] == "link_external"]
    assert step and step[0]["details"]["linked_request"] == "ЕИП: INC-4512"
    other = await f.staff(root, line="line1", tg_id=6012)  # not the holder, nor a coordinator
    r = await client.post(url, json={"action": "link_external", "staff_id": other.id, "external_system": "ЕИП",
                                     "external_number": "INC-1"})
    assert r.status_code == 403

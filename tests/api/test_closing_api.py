"""003 «Решение обращения»: every path into «Закрыто» stores the closing code, the solution and the configuration
item; codes and items are a catalog edited through the API."""

from __future__ import annotations

from typing import Any

import httpx

from app.root import Root
from core.tickets.models import Ticket
from tests import factories as f


async def _act(client: httpx.AsyncClient, t: Ticket, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/tickets/{t.id}/actions", json=body)


async def test_closing_codes_crud(client: httpx.AsyncClient) -> None:
    seeded = {c["code"] for c in (await client.get("/api/v1/closing-codes")).json()}
    assert {"resolved", "not_reproducible", "rejected", "duplicate"} <= seeded  # the card's form offers these
    r = await client.post("/api/v1/closing-codes", json={"code": "workaround_only", "name": "Обходное решение"})
    assert r.status_code == 201, r.text
    dup = await client.post("/api/v1/closing-codes", json={"code": "workaround_only", "name": "Ещё раз"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "conflict"
    bad = await client.post("/api/v1/closing-codes", json={"code": "Не код", "name": "x"})
    assert bad.status_code == 422 and "code" in bad.json()["error"]["fields"]
    r = await client.patch("/api/v1/closing-codes/workaround_only", json={"name": "Только обход", "active": False})
    assert r.status_code == 200 and (r.json()["name"], r.json()["active"]) == ("Только обход", False)
    assert "workaround_only" not in {c["code"] for c in (await client.get(
        "/api/v1/closing-codes", params={"active_only": "true"})).json()}
    assert (await client.patch("/api/v1/closing-codes/nope", json={"name": "x"})).status_code == 404
    assert (await client.patch("/api/v1/closing-codes/workaround_only", json={"name": None})).status_code == 422
    assert (await client.delete("/api/v1/closing-codes/workaround_only")).status_code == 204
    assert (await client.delete("/api/v1/closing-codes/workaround_only")).status_code == 404


async def test_config_items_crud(client: httpx.AsyncClient) -> None:
    nttm = {i["name"] for i in (await client.get("/api/v1/config-items", params={"service": "nttm"})).json()}
    assert {"Данные / NTTM", "Интеграция / NTTM", "Авария"} <= nttm and "Данные / CLM" not in nttm
    r = await client.post("/api/v1/config-items", json={"name": "Отчёты / NTTM", "service_code": "nttm"})
    assert r.status_code == 201, r.text
    item = r.json()
    # one name per service whatever the case (SQLite's lower() would not fold «О»)
    dup = await client.post("/api/v1/config-items", json={"name": "отчёты / nttm", "service_code": "nttm"})
    assert dup.status_code == 409
    other = await client.post("/api/v1/config-items", json={"name": "Отчёты / NTTM", "service_code": "clm"})
    assert other.status_code == 201  # another service may have its own
    unknown = await client.post("/api/v1/config-items", json={"name": "X", "service_code": "nosuch"})
    assert unknown.status_code == 422 and "service_code" in unknown.json()["error"]["fields"]
    r = await client.patch(f"/api/v1/config-items/{item['id']}", json={"service_code": None, "name": "Отчёты"})
    assert r.status_code == 200 and (r.json()["service_code"], r.json()["name"]) == (None, "Отчёты")
    assert (await client.patch("/api/v1/config-items/999999", json={"active": False})).status_code == 404
    assert (await client.delete(f"/api/v1/config-items/{item['id']}")).status_code == 204
    assert (await client.delete(f"/api/v1/config-items/{item['id']}")).status_code == 404


async def test_resolve_needs_the_three_fields_from_the_catalog_and_confirm_closes_with_them(
        client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    s = await f.staff(root)
    t = await f.incident(root, u)
    assert (await _act(client, t, action="take", staff_id=s.id)).status_code == 200
    bare = await _act(client, t, action="resolve", staff_id=s.id, text="Исправлен справочник")
    assert bare.status_code == 422 and set(bare.json()["error"]["fields"]) == {"closing_code", "config_item"}
    wrong = await _act(client, t, action="resolve", staff_id=s.id, text="Исправлен справочник",
                       closing_code="nosuch", config_item="Данные / CLM")  # another service's item
    assert wrong.status_code == 422 and set(wrong.json()["error"]["fields"]) == {"closing_code", "config_item"}
    no_text = await _act(client, t, action="resolve", staff_id=s.id, **f.CLOSING)
    assert no_text.status_code == 422 and set(no_text.json()["error"]["fields"]) == {"solution"}
    assert (await client.get(f"/api/v1/tickets/{t.id}")).json()["status"] == "in_progress"
    ok = await _act(client, t, action="resolve", staff_id=s.id, text="Исправлен справочник",
                    closing_code="resolved", config_item="  данные / nttm ")  # matched, stored as in the catalog
    assert ok.status_code == 200, ok.text
    closed = await _act(client, t, action="confirm", user_id=u.id)
    assert closed.status_code == 200
    body = closed.json()
    assert (body["status"], body["closing_code"], body["solution"], body["config_item"]) == (
        "closed", "resolved", "Исправлен справочник", "Данные / NTTM")
    confirm = (await client.get(f"/api/v1/tickets/{t.id}")).json()["history"][-1]
    assert confirm["action"] == "confirm" and confirm["details"]["config_item"] == "Данные / NTTM"


async def test_a_rejected_resolution_brings_new_closing_fields(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    s = await f.staff(root)
    t = await f.incident(root, u)
    await _act(client, t, action="take", staff_id=s.id)
    await _act(client, t, action="resolve", staff_id=s.id, text="Перезапуск", **f.CLOSING)
    assert (await _act(client, t, action="reject", user_id=u.id, text="Не помогло")).status_code == 200
    again = await _act(client, t, action="resolve", staff_id=s.id, text="Исправлен код")
    assert again.status_code == 422 and set(again.json()["error"]["fields"]) == {"closing_code", "config_item"}


async def test_staff_close_stores_the_three_fields(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    line1 = await f.staff(root, line="line1", tg_id=5101)
    s = await f.staff(root)
    t = await f.incident(root, u)
    missing = await _act(client, t, action="close", staff_id=line1.id, closing_code="duplicate")
    assert missing.status_code == 422 and set(missing.json()["error"]["fields"]) == {"solution", "config_item"}
    off = await client.patch("/api/v1/closing-codes/duplicate", json={"active": False})
    assert off.status_code == 200
    turned_off = await _act(client, t, action="close", staff_id=line1.id, closing_code="duplicate",
                            solution=f"Дубль {t.number}", config_item="Данные / NTTM")
    assert turned_off.status_code == 422 and "closing_code" in turned_off.json()["error"]["fields"]
    done = await _act(client, t, action="close", staff_id=line1.id, closing_code="rejected",
                      solution="Не воспроизводится у пользователя", config_item="Интерфейс / NTTM")
    assert done.status_code == 200, done.text
    assert (done.json()["closing_code"], done.json()["config_item"]) == ("rejected", "Интерфейс / NTTM")
    # a resolved ticket closed by line 1 keeps what the resolution gave
    t2 = await f.incident(root, u)
    await _act(client, t2, action="take", staff_id=s.id)
    await _act(client, t2, action="resolve", staff_id=s.id, text="Готово", **f.CLOSING)
    closed = await _act(client, t2, action="close", staff_id=line1.id)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["closing_code"], closed.json()["solution"], closed.json()["config_item"]) == (
        "resolved", "Готово", "Данные / NTTM")

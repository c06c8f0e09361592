"""Services, organisations with support periods, staff: CRUD over HTTP with errors as JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx


async def test_service_create_get_patch_list(client: httpx.AsyncClient) -> None:
    body = {"code": "billing", "name": "Биллинг", "intake": {"consultation": ["question", "examples"]},
            "request_types": ["consultation", "incident"], "channels": ["+7 800 000-00-00"]}
    r = await client.post("/api/v1/services", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["code"] == "billing" and created["sla_policy"] == "nttm" and created["active"] is True
    assert created["intake"] == {"consultation": ["question", "examples"]}
    r = await client.patch("/api/v1/services/billing", json={"name": "Биллинг B2B", "active": False})
    assert r.status_code == 200 and r.json()["name"] == "Биллинг B2B" and r.json()["active"] is False
    assert r.json()["channels"] == ["+7 800 000-00-00"]  # untouched by a partial update
    got = (await client.get("/api/v1/services/billing")).json()
    assert got["name"] == "Биллинг B2B"
    codes = [s["code"] for s in (await client.get("/api/v1/services")).json()]
    assert "billing" in codes and len(codes) == 6
    active = [s["code"] for s in (await client.get("/api/v1/services", params={"active_only": True})).json()]
    assert "billing" not in active and len(active) == 5


async def test_service_errors(client: httpx.AsyncClient) -> None:
    dup = await client.post("/api/v1/services", json={"code": "nttm", "name": "again"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "conflict"
    assert (await client.get("/api/v1/services/nope")).status_code == 404
    assert (await client.patch("/api/v1/services/nope", json={"name": "x"})).status_code == 404
    bad = await client.post("/api/v1/services", json={"code": "x1", "name": "X", "intake": {"incident": ["nofield"]}})
    assert bad.status_code == 422 and "intake.incident" in bad.json()["error"]["fields"]
    null = await client.patch("/api/v1/services/nttm", json={"name": None})
    assert null.status_code == 422 and "name" in null.json()["error"]["fields"]


async def test_validation_errors_name_the_field(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/services", json={"code": "Bad Code!", "name": "X", "colour": "red"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_failed"
    assert {"code", "colour"} <= set(err["fields"]) and "code" in err["message"]
    r = await client.post("/api/v1/services", json={"code": "ok"})
    assert r.status_code == 422 and "name" in r.json()["error"]["fields"]


async def test_organisation_with_periods(client: httpx.AsyncClient) -> None:
    today = datetime.now(UTC).date()
    periods = [{"valid_from": str(today - timedelta(days=30)), "valid_to": str(today + timedelta(days=335))},
               {"valid_from": str(today), "valid_to": str(today + timedelta(days=10)), "service_code": "tecon"}]
    r = await client.post("/api/v1/organisations", json={"name": "ООО Ромашка", "inn": "7701234567",
                                                         "periods": periods})
    assert r.status_code == 201, r.text
    org = r.json()
    assert [p["service_code"] for p in org["periods"]] == [None, "tecon"]
    assert org["periods"][0]["valid_to"] == str(today + timedelta(days=335))
    got = await client.get(f"/api/v1/organisations/{org['id']}")
    assert got.status_code == 200 and got.json()["inn"] == "7701234567"
    r = await client.patch(f"/api/v1/organisations/{org['id']}", json={"periods": [periods[1]]})
    assert r.status_code == 200 and len(r.json()["periods"]) == 1 and r.json()["name"] == "ООО Ромашка"
    r = await client.patch(f"/api/v1/organisations/{org['id']}", json={"inn": None})
    assert r.status_code == 200 and r.json()["inn"] is None and len(r.json()["periods"]) == 1
    listed = (await client.get("/api/v1/organisations")).json()
    assert [o["name"] for o in listed] == ["ООО Ромашка"]


async def test_organisation_errors(client: httpx.AsyncClient) -> None:
    today = datetime.now(UTC).date()
    back = await client.post("/api/v1/organisations", json={"name": "ООО Назад", "periods": [
        {"valid_from": str(today), "valid_to": str(today - timedelta(days=1))}]})
    assert back.status_code == 422 and "periods.0.valid_to" in back.json()["error"]["fields"]
    bad_date = await client.post("/api/v1/organisations", json={"name": "ООО Дата", "periods": [
        {"valid_from": "31.12.2026", "valid_to": str(today)}]})
    assert bad_date.status_code == 422 and "periods.0.valid_from" in bad_date.json()["error"]["fields"]
    a = (await client.post("/api/v1/organisations", json={"name": "А"})).json()
    await client.post("/api/v1/organisations", json={"name": "Б"})
    assert (await client.post("/api/v1/organisations", json={"name": "А"})).status_code == 409
    assert (await client.patch(f"/api/v1/organisations/{a['id']}", json={"name": "Б"})).status_code == 409
    assert (await client.get("/api/v1/organisations/999999")).status_code == 404


async def test_staff_crud(client: httpx.AsyncClient) -> None:
    body = {"line_code": "line2", "user": {"tg_id": 777, "full_name": "Петров Пётр", "login": "p.petrov",
                                           "email": "p.petrov@example.ru"}, "is_coordinator": True}
    r = await client.post("/api/v1/staff", json=body)
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["line_code"] == "line2" and s["is_coordinator"] and not s["is_service_manager"]
    assert s["user"]["tg_id"] == 777 and s["user"]["full_name"] == "Петров Пётр"
    assert (await client.post("/api/v1/staff", json=body)).status_code == 409
    other = await client.post("/api/v1/staff", json={**body, "line_code": "line3", "curator_region": "МРФ Юг"})
    assert other.status_code == 201 and other.json()["user"]["id"] == s["user"]["id"]
    r = await client.patch(f"/api/v1/staff/{s['id']}", json={"is_service_manager": True, "curator_region": "МРФ Центр"})
    assert r.status_code == 200 and r.json()["is_service_manager"] and r.json()["curator_region"] == "МРФ Центр"
    assert r.json()["is_coordinator"] is True
    assert (await client.get(f"/api/v1/staff/{s['id']}")).json()["is_service_manager"] is True
    line3 = (await client.get("/api/v1/staff", params={"line": "line3"})).json()
    assert [x["id"] for x in line3] == [other.json()["id"]]
    assert len((await client.get("/api/v1/staff")).json()) == 2
    assert (await client.delete(f"/api/v1/staff/{s['id']}")).status_code == 204
    # removing deactivates: the record (and the history naming it) stays
    assert (await client.get(f"/api/v1/staff/{s['id']}")).json()["active"] is False
    assert (await client.delete(f"/api/v1/staff/{s['id']}")).status_code == 404  # already removed
    assert [x["active"] for x in (await client.get("/api/v1/staff")).json()] == [False, True]


async def test_staff_errors(client: httpx.AsyncClient) -> None:
    unknown_line = await client.post("/api/v1/staff", json={"line_code": "line9", "user": {"full_name": "Кто-то"}})
    assert unknown_line.status_code == 422 and "line_code" in unknown_line.json()["error"]["fields"]
    no_name = await client.post("/api/v1/staff", json={"line_code": "line1", "user": {"tg_id": 1}})
    assert no_name.status_code == 422 and "user.full_name" in no_name.json()["error"]["fields"]
    s = (await client.post("/api/v1/staff", json={"line_code": "line1", "user": {"tg_id": 5, "full_name": "Ф"}})).json()
    bad = await client.patch(f"/api/v1/staff/{s['id']}", json={"line_code": "nowhere"})
    assert bad.status_code == 422 and "line_code" in bad.json()["error"]["fields"]
    extra = await client.patch(f"/api/v1/staff/{s['id']}", json={"is_admin": True})
    assert extra.status_code == 422 and "is_admin" in extra.json()["error"]["fields"]
    assert (await client.patch("/api/v1/staff/999999", json={"active": False})).status_code == 404

"""The per-service setup over HTTP: editable, validated (422 naming what is wrong), and ТЕКОН by phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from app.root import Root
from core.catalog import service as catalog
from core.catalog.models import User

CALLER = {"full_name": "Кузнецов Кирилл", "login": "k.kuznetsov", "email": "k.kuznetsov@teplo.example"}


async def test_unknown_policy_calendar_or_group_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    cases = [({"sla_policy": "no-such"}, "sla_policy", "no-such"),
             ({"calendar": "mars"}, "calendar", "mars"),
             ({"routing": {"incident": "clm-incidents"}}, "routing.incident", "clm-incidents"),  # CLM's group
             ({"routing": {"incident": "nowhere"}}, "routing.incident", "nowhere"),
             ({"type_priority": {"incident": 7}}, "type_priority.incident", "приоритет")]
    for body, field, named in cases:
        r = await client.patch("/api/v1/services/crm-b2c", json=body)
        assert r.status_code == 422, (body, r.text)
        assert named in r.json()["error"]["fields"][field], r.json()
    r = await client.post("/api/v1/services", json={"code": "new", "name": "Новый", "sla_policy": "no-such"})
    assert r.status_code == 422 and "sla_policy" in r.json()["error"]["fields"]
    unchanged = (await client.get("/api/v1/services/crm-b2c")).json()
    assert unchanged["sla_policy"] == "crm-b2c" and unchanged["routing"]["access_request"] == "crm-duty"


async def test_a_policy_missing_a_priority_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    nttm = (await client.get("/api/v1/sla/policies/nttm")).json()
    del nttm["priorities"]["4"]
    r = await client.put("/api/v1/sla/policies/nttm", json=nttm)
    assert r.status_code == 422 and "priority 4 is missing" in r.json()["error"]["message"]


async def test_setup_is_seeded_as_the_regulations_say_and_editable(client: httpx.AsyncClient) -> None:
    services = {s["code"]: s for s in (await client.get("/api/v1/services")).json()}
    assert services["clm"]["description"] == "Система управления целевыми маркетинговыми кампаниями"
    assert services["tecon"]["confirmation_only"] and not any(s["autoclose"] for s in services.values())
    assert any("8 (800) 200-00-33" in c for c in services["crm-b2c"]["channels"])
    for code in ("omnichat", "crm-b2c", "clm"):  # no numbers in their regulations: NTTM's table, said so
        policy = (await client.get(f"/api/v1/sla/policies/{code}")).json()
        assert "NTTM" in policy["description"] and "администратор может изменить" in policy["description"]
    groups = {g["code"]: g for g in (await client.get("/api/v1/groups")).json()}
    assert (groups["crm-duty"]["service_code"], groups["crm-duty"]["level"]) == ("crm-b2c", "line2")
    assert (groups["tecon-programming"]["service_code"], groups["line1"]["service_code"]) == ("tecon", None)
    r = await client.patch("/api/v1/services/clm", json={"intake": {"incident": ["description", "screenshot"]},
                                                         "routing": {"incident": "clm-admin"}, "autoclose": True})
    assert r.status_code == 200, r.text
    assert r.json()["intake"]["incident"] == ["description", "screenshot"] and r.json()["autoclose"]


async def test_line1_registers_a_tecon_call_with_the_callers_organisation(client: httpx.AsyncClient,
                                                                         root: Root) -> None:
    today = datetime.now(UTC).date()
    await catalog.create_organisation(uow=root.uow(), name="АО Теплосеть", periods=[
        {"valid_from": today - timedelta(days=10), "valid_to": today + timedelta(days=300)}])
    await catalog.create_organisation(uow=root.uow(), name="ООО Просрочено", periods=[
        {"valid_from": today - timedelta(days=400), "valid_to": today - timedelta(days=30)}])
    body = {"service": "tecon", "type": "incident", "channel": "phone",
            "requester": {**CALLER, "organisation": "ао  теплосеть"},
            "fields": {"description": "Не запускается модуль опроса", "actual": "Ошибка 0x0005"}}
    r = await client.post("/api/v1/tickets", json=body)
    assert r.status_code == 201, r.text
    t = r.json()
    assert (t["line"], t["priority"], t["channel"]) == ("tecon-projects", 2, "phone")  # ОП3, ТП1
    async with root.session_factory() as s:
        caller = await s.get(User, t["requester_id"])
        assert caller is not None and caller.organisation is not None
        assert caller.organisation.name == "АО Теплосеть"
    expired = await client.post("/api/v1/tickets", json={
        **body, "requester": {**CALLER, "login": "p.p", "email": None, "organisation": "ООО Просрочено"}})
    assert expired.status_code == 422 and expired.json()["error"]["code"] == "contract_required"
    assert "Просрочено" in expired.json()["error"]["message"]
    unknown = await client.post("/api/v1/tickets", json={
        **body, "requester": {**CALLER, "login": "x.x", "email": None, "organisation": "ЗАО Нигде"}})
    assert unknown.status_code == 422 and "requester.organisation" in unknown.json()["error"]["fields"]
    none = await client.post("/api/v1/tickets", json={**body, "requester": {**CALLER, "login": "y.y", "email": None}})
    assert none.status_code == 422 and none.json()["error"]["code"] == "contract_required"

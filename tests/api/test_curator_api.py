"""The МРФ curator through the admin API: set by PATCH /api/v1/staff/{id} (curator_region); a ticket body shows
the approval; line 1 cannot act on an access request still with its curator (409)."""

from __future__ import annotations

from typing import Any

import httpx

from app.root import Root
from tests import factories as f

CALLER = {"full_name": "Сидоров Сидор", "login": "s.sidorov", "email": "s.sidorov@corp.example.ru",
          "region": "МРФ Центр"}


def _access(requester: dict[str, Any]) -> dict[str, Any]:
    return {"service": "nttm", "type": "access_request", "priority": 3, "requester": requester,
            "fields": {"full_name": requester["full_name"], "login": requester["login"], "role": "оператор",
                       "region": requester["region"]}}


async def test_a_curator_set_through_the_api_holds_the_access_request(client: httpx.AsyncClient, root: Root) -> None:
    agent = await f.staff(root, line="line1", tg_id=6201)
    none_yet = await client.post("/api/v1/tickets", json=_access(CALLER))
    assert none_yet.status_code == 201 and none_yet.json()["approval"] == "no_curator"
    body = {"line_code": "line1", "user": {"tg_id": 6202, "full_name": "Куратор Центра"}}
    curator = (await client.post("/api/v1/staff", json=body)).json()
    r = await client.patch(f"/api/v1/staff/{curator['id']}", json={"curator_region": "МРФ Центр",
                                                                    "curator_services": ["nttm"]})
    assert r.status_code == 200 and r.json()["curator_region"] == "МРФ Центр"
    held = await client.post("/api/v1/tickets", json=_access({**CALLER, "login": "s.sidorov2",
                                                             "email": "s2@corp.example.ru"}))
    assert held.status_code == 201 and held.json()["approval"] == "pending"
    tid = held.json()["id"]
    take = await client.post(f"/api/v1/tickets/{tid}/actions", json={"action": "take", "staff_id": agent.id})
    assert take.status_code == 409 and "curator" in take.json()["error"]["message"]
    assert (await client.get(f"/api/v1/tickets/{tid}")).json()["approval"] == "pending"
    # an incident is not an access request: no approval at all
    inc = await client.post("/api/v1/tickets", json={**_access(CALLER), "type": "incident",
                                                      "fields": dict(f.INCIDENT_FIELDS)})
    assert inc.status_code == 201 and inc.json()["approval"] is None


async def test_a_curators_systems_could_not_be_set_through_the_api(client: httpx.AsyncClient) -> None:
    body = {"line_code": "line1", "user": {"tg_id": 6290, "full_name": "Куратор Юга"}, "curator_region": "МРФ Юг",
            "curator_services": ["clm"]}
    r = await client.post("/api/v1/staff", json=body)
    assert r.status_code == 201 and r.json()["curator_services"] == ["clm"], r.text
    sid = r.json()["id"]
    r = await client.patch(f"/api/v1/staff/{sid}", json={"curator_services": ["nttm", "clm", "nttm"]})
    assert r.status_code == 200 and r.json()["curator_services"] == ["nttm", "clm"]
    bad = await client.patch(f"/api/v1/staff/{sid}", json={"curator_services": ["nope"]})
    assert bad.status_code == 422 and "curator_services" in bad.json()["error"]["fields"]
    assert (await client.get(f"/api/v1/staff/{sid}")).json()["curator_services"] == ["nttm", "clm"]

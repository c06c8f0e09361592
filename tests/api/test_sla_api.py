"""SLA admin API: policies and calendars read/edit, validation, and the report as JSON and CSV."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from core.sla import clock
from core.sla.builtin import BUILTIN_POLICIES
from core.tickets.service import Actor
from tests import factories as f
from tests.integration.sla.conftest import act, msk, register


@pytest.mark.parametrize("path", ["/api/v1/sla/policies", "/api/v1/sla/calendars/24x7", "/api/v1/reports/sla"])
async def test_no_token_is_401(anon: httpx.AsyncClient, path: str) -> None:
    assert (await anon.get(path)).status_code == 401
    assert (await anon.put("/api/v1/sla/calendars/24x7", json={})).status_code == 401


async def test_policies_list_get_and_put(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/v1/sla/policies")).json()
    assert [p["code"] for p in listed] == ["clm", "crm-b2c", "nttm", "omnichat", "tecon"]
    nttm = (await client.get("/api/v1/sla/policies/nttm")).json()
    assert nttm["priorities"]["3"]["reaction"] == BUILTIN_POLICIES["nttm"]["priorities"]["3"]["reaction"]
    nttm["priorities"]["3"]["reaction"]["amount"] = 2
    r = await client.put("/api/v1/sla/policies/nttm", json=nttm)
    assert r.status_code == 200 and r.json()["priorities"]["3"]["reaction"]["amount"] == 2
    assert (await client.get("/api/v1/sla/policies/nttm")).json()["priorities"]["3"]["reaction"]["amount"] == 2
    assert (await client.get("/api/v1/sla/policies/nope")).status_code == 404


async def test_edited_policy_applies_to_new_tickets(client: httpx.AsyncClient, root) -> None:
    nttm = (await client.get("/api/v1/sla/policies/nttm")).json()
    nttm["priorities"]["3"]["reaction"]["amount"] = 2
    assert (await client.put("/api/v1/sla/policies/nttm", json=nttm)).status_code == 200
    u = await f.user(root)
    t = await register(root, u.id, at=msk(24, 10))
    sla = await clock.ticket_sla(uow=root.uow(), ticket_id=t.id, now=msk(24, 10))
    assert sla["targets"]["reaction"]["due_at"] == msk(24, 12)


async def test_bad_policy_is_422_with_the_reason(client: httpx.AsyncClient) -> None:
    bad = {"name": "x", "priorities": {"3": {"reaction": {"amount": -1, "unit": "minutes", "calendar": "24x7"}}}}
    r = await client.put("/api/v1/sla/policies/x", json=bad)
    assert r.status_code == 422 and "amount must be a positive number" in r.json()["error"]["message"]
    unknown = {"name": "x", "priorities": {p: {"reaction": {"amount": 1, "unit": "hours", "calendar": "mars"}}
                                           for p in "1234"}}
    r = await client.put("/api/v1/sla/policies/x", json=unknown)
    assert r.status_code == 422 and "mars" in r.json()["error"]["message"]


async def test_calendar_holidays_edited_through_put(client: httpx.AsyncClient, root) -> None:
    listed = (await client.get("/api/v1/sla/calendars")).json()
    assert {c["code"] for c in listed} == {"24x7", "msk-business"}
    cal = (await client.get("/api/v1/sla/calendars/msk-business")).json()
    assert cal["tz"] == "Europe/Moscow" and cal["hours"]["mon"] == [["05:00", "18:00"]]
    cal["holidays"] = sorted({*cal["holidays"], "2026-11-25"})
    r = await client.put("/api/v1/sla/calendars/msk-business", json=cal)
    assert r.status_code == 200 and "2026-11-25" in r.json()["holidays"]
    u = await f.user(root)
    t = await register(root, u.id, at=msk(24, 17, 30))
    sla = await clock.ticket_sla(uow=root.uow(), ticket_id=t.id, now=msk(24, 17, 30))
    # Wednesday is now a holiday: reaction (1 working hour) runs 30 min Tue + 30 min Thu
    assert sla["targets"]["reaction"]["due_at"] == msk(26, 5, 30)


@pytest.mark.parametrize("body, reason", [
    ({"tz": "Europe/Moscow", "hours": {}}, "no working time"),
    ({"tz": "Mars/Olympus", "hours": {"mon": [["05:00", "18:00"]]}}, "unknown time zone"),
    ({"tz": "UTC", "hours": {"mon": [["18:00", "05:00"]]}}, "must be after start"),
    ({"tz": "UTC", "hours": {"mon": [["05:00", "18:00"]]}, "holidays": ["2026-13-01"]}, "bad date"),
])
async def test_bad_calendar_is_422_with_the_message(client: httpx.AsyncClient, body: dict, reason: str) -> None:
    r = await client.put("/api/v1/sla/calendars/custom", json=body)
    assert r.status_code == 422 and reason in r.json()["error"]["message"]
    assert (await client.get("/api/v1/sla/calendars/custom")).status_code == 404


async def _tickets_for_report(root) -> None:
    u, s = await f.user(root), await f.staff(root)
    staff = Actor("staff", s.id)
    on_time = await register(root, u.id, at=msk(24, 10))
    await act(root, on_time.id, "take", staff, msk(24, 10, 30))  # 30 working minutes
    late = await register(root, u.id, at=msk(24, 10))
    await act(root, late.id, "take", staff, msk(24, 11, 30))  # 90 working minutes: breached
    # untaken: its time runs to the real "now", so only its counts are asserted here (tests/integration/sla
    # checks unmet targets with an explicit now)
    await register(root, u.id, at=msk(24, 10), priority=2)


async def test_report_json_counts_and_percentiles(client: httpx.AsyncClient, root) -> None:
    await _tickets_for_report(root)
    r = await client.get("/api/v1/reports/sla", params={"from": "2026-11-24T00:00:00+03:00",
                                                         "to": "2026-11-25T00:00:00+03:00", "service": "nttm"})
    assert r.status_code == 200
    rows = {(x["priority"], x["target"]): x for x in r.json()["rows"]}
    reaction = rows[(3, "reaction")]
    assert (reaction["tickets"], reaction["met"], reaction["breached"]) == (2, 2, 1)
    # 30 and 90 working minutes: median 60 min, p90 = 30 + 0.9 × 60 = 84 min
    assert (reaction["median_seconds"], reaction["p90_seconds"]) == (60 * 60, 84 * 60)
    assert rows[(2, "resolution")]["tickets"] == 1 and rows[(2, "resolution")]["met"] == 0
    empty = await client.get("/api/v1/reports/sla", params={"from": "2026-11-25", "to": "2026-11-26"})
    assert empty.json()["rows"] == []


async def test_report_csv(client: httpx.AsyncClient, root) -> None:
    await _tickets_for_report(root)
    r = await client.get("/api/v1/reports/sla", params={"from": "2026-11-24", "to": "2026-11-25", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(r.text)))
    assert len(lines) == 8  # P3 and P2, four targets each
    p3 = next(x for x in lines if x["priority"] == "3" and x["target"] == "reaction")
    assert (p3["service"], p3["tickets"], p3["met"], p3["breached"]) == ("nttm", "2", "2", "1")
    assert (await client.get("/api/v1/reports/sla", params={"format": "xml"})).status_code == 422


async def test_ticket_detail_includes_the_sla(client: httpx.AsyncClient, root) -> None:
    u, s = await f.user(root), await f.staff(root)
    t = await register(root, u.id, at=msk(24, 10))
    await act(root, t.id, "take", Actor("staff", s.id), msk(24, 10, 20))
    r = await client.get(f"/api/v1/tickets/{t.id}")
    assert r.status_code == 200
    sla = r.json()["sla"]
    assert sla["policy"] == "nttm" and sla["paused"] is False
    assert set(sla["targets"]) == {"reaction", "diagnosis", "workaround", "resolution"}
    reaction = sla["targets"]["reaction"]
    assert reaction["breached"] is False and reaction["remaining_seconds"] is None
    assert reaction["met_at"].startswith("2026-11-24T07:20:00")
    assert sla["targets"]["resolution"]["due_at"].startswith("2026-12-01T07:00:00")
    assert isinstance(sla["targets"]["resolution"]["remaining_seconds"], int)

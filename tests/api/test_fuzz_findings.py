"""What the schemathesis run (tests/api/test_schemathesis.py) found, one regression test per defect.

Before: a 500 (huge ids on the outage and broadcast routes, NUL in outage texts on PostgreSQL), or answers the
OpenAPI schema did not document (CSV reports, the zip export); codes longer than their String(32) column
(a 500 on PostgreSQL only).
"""

from __future__ import annotations

import httpx
import pytest

from admin_api.sla import CALENDAR_EXAMPLE as CALENDAR
from admin_api.sla import POLICY_EXAMPLE as POLICY
from app.root import Root
from tests import factories

API = "/api/v1"
HUGE = 9310538004432224026991001600  # the id schemathesis sent


def refused(r: httpx.Response, *statuses: int) -> dict[str, object]:
    assert r.status_code in (statuses or (422,)), (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    err: dict[str, object] = r.json()["error"]
    assert err["code"] and err["message"]
    return err


async def _outage(client: httpx.AsyncClient) -> int:
    r = await client.post(f"{API}/outages", json={"services": ["nttm"], "title": "NTTM недоступен"})
    assert r.status_code == 201, r.text
    oid: int = r.json()["outage"]["id"]
    return oid


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", f"{API}/outages/{HUGE}/tickets", {"ticket_id": 1}),
    ("POST", f"{API}/outages/{HUGE}/updates", {"details": "x"}),
    ("POST", f"{API}/outages/{HUGE}/restore", {"resolution": "x", "staff_id": 1}),
    ("POST", f"{API}/outages/2147483648/tickets", {"ticket_id": 1}),
    ("GET", f"{API}/broadcasts/{HUGE}", None),
    ("POST", f"{API}/broadcasts/{HUGE}/cancel", None),
    ("GET", f"{API}/broadcasts/-1", None),
])
async def test_huge_outage_and_broadcast_id_is_422_not_500(client: httpx.AsyncClient, method: str, path: str,
                                                           body: dict[str, object] | None) -> None:
    r = await client.request(method, path, json=body)
    assert "outage_id" in str(refused(r)["fields"]) or "broadcast_id" in str(r.json()["error"]["fields"])


async def test_huge_ids_in_outage_bodies_are_422_naming_the_field(client: httpx.AsyncClient, root: Root) -> None:
    oid = await _outage(client)
    r = await client.post(f"{API}/outages/{oid}/tickets", json={"ticket_id": HUGE})
    assert "ticket_id" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.post(f"{API}/outages/{oid}/restore", json={"resolution": "x", "staff_id": 2**31})
    assert "staff_id" in refused(r)["fields"]  # type: ignore[operator]
    # the outage is still open: nothing was restored by the refused request
    staff = await factories.staff(root, line="line2", tg_id=5009, manager=True)
    r = await client.post(f"{API}/outages/{oid}/restore", json={"resolution": "Починили", "staff_id": staff.id})
    assert r.status_code == 200, r.text


async def test_nul_in_outage_texts_is_422_nothing_written(client: httpx.AsyncClient) -> None:
    r = await client.post(f"{API}/outages", json={"services": ["nttm"], "title": "NTTM\x00"})
    assert "title" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.post(f"{API}/outages", json={"services": ["ntt\x00m"], "title": "t"})
    assert "services.0" in refused(r)["fields"]  # type: ignore[operator]
    assert (await client.get(f"{API}/reports/outages")).json() == []
    oid = await _outage(client)
    for body in ('{"details": "a\\u0000"}', '{"problem": "\\ud800"}'):  # JSON escapes: NUL, a lone surrogate
        r = await client.post(f"{API}/outages/{oid}/updates", content=body,
                              headers={"Content-Type": "application/json"})
        assert refused(r)["fields"]
    r = await client.post(f"{API}/outages/{oid}/restore", json={"resolution": "\x00", "staff_id": 1})
    assert "resolution" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.post(f"{API}/services/nttm/audience", content="login\na\x00b\n",
                          headers={"Content-Type": "text/csv"})
    refused(r)
    assert (await client.get(f"{API}/reports/outages")).json()[0]["problem"] is None


async def test_csv_reports_are_documented_as_text_csv(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in (f"{API}/reports/sla", f"{API}/reports/outages"):
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv"}, path
        r = await client.get(path, params={"format": "csv"})
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] in content


async def test_zip_export_is_documented_as_binary(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    content = spec["paths"][f"{API}/kb/export"]["get"]["responses"]["200"]["content"]
    assert content["application/zip"]["schema"] == {"type": "string", "format": "binary"}
    r = await client.get(f"{API}/kb/export", params={"format": "md"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"


@pytest.mark.parametrize("path", [f"{API}/sla/policies", f"{API}/sla/calendars", f"{API}/reports/sla",
                                  f"{API}/kb/stats", f"{API}/kb/gaps", f"{API}/kb/export"])
async def test_json_answers_have_a_documented_schema(client: httpx.AsyncClient, path: str) -> None:
    # was `{}` or a bare object: any answer matched it, so the schema check could catch nothing there
    spec = (await client.get("/openapi.json")).json()
    schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "$ref" in schema or "$ref" in schema.get("items", {}), schema
    assert (await client.get(path)).status_code == 200


async def test_sla_report_keeps_its_from_key(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{API}/reports/sla", params={"from": "2026-11-24", "to": "2026-11-25"})
    assert r.status_code == 200, r.text
    assert r.json()["from"].startswith("2026-11-24T00:00:00") and r.json()["rows"] == []


async def test_sla_code_longer_than_its_column_is_422_not_500(client: httpx.AsyncClient) -> None:
    # PostgreSQL refused the 100-character primary key of String(32): a 500, while SQLite stored it
    for path in (f"{API}/sla/calendars/{'c' * 100}", f"{API}/sla/calendars/Upper", f"{API}/sla/policies/{'p' * 33}"):
        body = CALENDAR if "/calendars/" in path else POLICY
        assert "code" in refused(await client.put(path, json=body))["fields"]  # type: ignore[operator]
    assert all(c["code"] != "c" * 100 for c in (await client.get(f"{API}/sla/calendars")).json())
    # the documented examples are valid bodies: a code that fits is stored
    for path, body in ((f"{API}/sla/calendars/{'c' * 32}", CALENDAR), (f"{API}/sla/policies/p-1", POLICY)):
        r = await client.put(path, json=body)
        assert r.status_code == 200, r.text


async def test_support_period_service_code_longer_than_its_column_is_422(client: httpx.AsyncClient) -> None:
    period = {"valid_from": "2026-01-01", "valid_to": "2026-12-31", "service_code": "s" * 40}
    r = await client.post(f"{API}/organisations", json={"name": "ООО «Длинный код»", "periods": [period]})
    assert "periods.0.service_code" in refused(r)["fields"]  # type: ignore[operator]
    assert (await client.get(f"{API}/organisations")).json() == []


@pytest.mark.parametrize(("method", "path", "params", "body"), [
    ("GET", f"{API}/reports/sla", {"from": "0001-01-01T00:00:00"}, None),
    ("GET", f"{API}/reports/sla", {"to": "9999-12-31T23:59:59"}, None),
    ("GET", f"{API}/reports/outages", {"since": "0001-01-01T00:00:00+14:00"}, None),
    ("POST", f"{API}/outages", None, {"services": ["nttm"], "title": "t", "started_at": "0001-01-01T00:00:00+14:00"}),
    ("POST", f"{API}/outages", None, {"services": ["nttm"], "title": "t", "expected_at": "9999-12-31T23:59:59-12:00"}),
])
async def test_moment_at_the_end_of_datetime_is_422_not_500(client: httpx.AsyncClient, method: str, path: str,
                                                            params: dict[str, str] | None,
                                                            body: dict[str, object] | None) -> None:
    # its conversion to UTC overflowed (OverflowError: date value out of range) on both databases
    err = refused(await client.request(method, path, params=params, json=body))
    assert set(err["fields"]) & {"from", "to", "since", "started_at", "expected_at"}  # type: ignore[arg-type]
    assert (await client.get(f"{API}/reports/outages")).json() == []
    r = await client.get(f"{API}/reports/sla", params={"from": "1900-01-01", "to": "9000-01-01T00:00:00+03:00"})
    assert r.status_code == 200, r.text

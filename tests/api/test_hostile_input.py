"""Hostile values at the API boundary: integers no column holds, NUL, lone surrogates, deep JSON, invalid UTF-8.

Each must be a 422 (or 404) in the JSON error shape naming the field, with nothing written; before, they were
plain-text 500s (on PostgreSQL, or on both databases).
"""

from __future__ import annotations

import json

import httpx
import pytest

from app.root import Root
from tests import factories

API = "/api/v1"
KB = f"{API}/kb"
HUGE = 99999999999999999999
ARTICLE = {"title": "Не подключается VPN", "body": "Перезапустите клиент VPN."}


def refused(r: httpx.Response, *statuses: int) -> dict[str, object]:
    assert r.status_code in (statuses or (422,)), (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    err: dict[str, object] = r.json()["error"]
    assert err["code"] and err["message"]
    return err


async def nothing_written(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{KB}/articles")).json()["total"] == 0
    assert (await client.get(f"{API}/tickets")).json()["total"] == 0


@pytest.mark.parametrize(("method", "path"), [
    ("GET", f"{API}/tickets/{HUGE}"), ("GET", f"{API}/tickets/2147483648"), ("GET", f"{API}/tickets/-1"),
    ("POST", f"{API}/tickets/{HUGE}/actions"), ("POST", f"{API}/tickets/{HUGE}/comments"),
    ("GET", f"{KB}/articles/{HUGE}"), ("PATCH", f"{KB}/articles/{HUGE}"), ("DELETE", f"{KB}/articles/{HUGE}"),
    ("GET", f"{KB}/articles/{HUGE}/history"), ("GET", f"{API}/organisations/{HUGE}"),
    ("PATCH", f"{API}/organisations/{HUGE}"), ("GET", f"{API}/staff/{HUGE}"), ("PATCH", f"{API}/staff/{HUGE}"),
    ("DELETE", f"{API}/staff/{HUGE}"), ("GET", f"{API}/tickets?assignee={HUGE}"),
    ("GET", f"{API}/tickets?page={HUGE}"), ("GET", f"{KB}/articles?page={HUGE}"),
    ("GET", f"{API}/deliveries?page={HUGE}"),
])
async def test_huge_integer_id_is_404_not_500(client: httpx.AsyncClient, method: str, path: str) -> None:
    r = await client.request(method, path, json={} if method in ("POST", "PATCH") else None)
    refused(r, 404, 422)


async def test_largest_int32_id_is_a_plain_404(client: httpx.AsyncClient) -> None:
    # the bound fits the column, it does not refuse ids the column can hold
    for path in (f"{API}/tickets/2147483647", f"{KB}/articles/2147483647", f"{API}/staff/2147483647"):
        assert refused(await client.get(path), 404)["code"] == "not_found"


async def test_huge_integers_in_bodies_are_422_naming_the_field(client: httpx.AsyncClient, root: Root) -> None:
    requester = await factories.user(root)
    ticket = await factories.incident(root, requester)
    r = await client.post(f"{API}/tickets/{ticket.id}/comments", json={"staff_id": 2**31, "text": "x"})
    assert "staff_id" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.post(f"{API}/staff", json={"line_code": "line2", "user": {"full_name": "A", "tg_id": 2**63}})
    assert "user.tg_id" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.post(f"{API}/line-chats", json={"chat_id": -(2**64), "group_code": "line2"})
    assert "chat_id" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.put(f"{API}/sla/policies/huge", json={"targets": {"1": {"reaction": 10**30}}})
    refused(r)


async def test_nul_in_text_is_422(client: httpx.AsyncClient, root: Root) -> None:
    r = await client.post(f"{KB}/articles", json={**ARTICLE, "title": "VPN\x00"})
    assert "title" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.post(f"{KB}/articles", json={**ARTICLE, "tags": ["ok", "bad\x00"]})
    assert "tags.1" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.post(f"{API}/organisations", json={"name": "ООО\x00"})
    assert "name" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.put(f"{KB}/synonyms", json={"groups": [["впн", "vpn\x00"]]})
    assert "groups.0.1" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.put(f"{API}/sla/calendars/x", json={"name": "a\x00b"})
    assert "name: символ NUL" in str(refused(r)["fields"])  # a free-form JSON body names the path inside it
    for path in (f"{KB}/articles?text=a%00b", f"{KB}/search?q=a%00b", f"{API}/tickets?service=%00",
                 f"{API}/services/nt%00tm", f"{API}/sla/policies/a%00", f"{API}/staff?line=%00"):
        refused(await client.get(path))
    requester = await factories.user(root)
    ticket = await factories.incident(root, requester)
    r = await client.post(f"{API}/tickets/{ticket.id}/comments", json={"user_id": requester.id, "text": "a\x00"})
    assert "text" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.post(f"{API}/tickets", json={
        "service": "nttm", "type": "incident", "priority": 3, "requester": {"full_name": "И", "login": "i.i"},
        "fields": {"description": "a\x00"}})
    assert "fields" in refused(r)["fields"]  # type: ignore[operator]
    assert (await client.get(f"{KB}/articles")).json()["total"] == 0
    assert [c for c in (await client.get(f"{API}/tickets/{ticket.id}")).json()["comments"]] == []


async def test_lone_surrogate_is_422(client: httpx.AsyncClient) -> None:
    body = '{"title": "VPN \\ud800", "body": "x"}'  # a JSON escape decodes to a lone surrogate
    r = await client.post(f"{KB}/articles", content=body, headers={"Content-Type": "application/json"})
    assert "title" in refused(r)["fields"]  # type: ignore[operator]
    # the same as raw bytes (UTF-8 of U+D800, which Python's json decoder lets through)
    raw = b'{"title": "VPN \xed\xa0\x80", "body": "x"}'
    r = await client.post(f"{KB}/articles", content=raw, headers={"Content-Type": "application/json"})
    refused(r)
    # a lone surrogate as an unknown key: the error answer naming it must itself be encodable
    r = await client.post(f"{KB}/articles", content='{"\\udc00": 1, "title": "a", "body": "b"}',
                          headers={"Content-Type": "application/json"})
    refused(r)
    r = await client.post(f"{KB}/import", content='{"articles": [{"title": "a", "body": "\\udfff"}]}',
                          headers={"Content-Type": "application/json"})
    assert "articles[0].body" in refused(r)["fields"]  # type: ignore[operator]
    await nothing_written(client)


async def test_deep_json_import_is_422(client: httpx.AsyncClient) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for doc in (deep, '{"articles": ' + deep + "}"):
        r = await client.post(f"{KB}/import", content=doc, headers={"Content-Type": "application/json"})
        assert "body" in refused(r)["fields"]  # type: ignore[operator]
    # nesting the parser survives but no import needs
    nested = '{"articles": [{"title": "a", "body": "b", "tags": ' + "[" * 200 + "]" * 200 + "}]}"
    r = await client.post(f"{KB}/import", content=nested, headers={"Content-Type": "application/json"})
    refused(r)
    # the same on an ordinary JSON route (FastAPI's own parsing)
    r = await client.post(f"{KB}/articles", content=deep, headers={"Content-Type": "application/json"})
    assert "body" in refused(r)["fields"]  # type: ignore[operator]
    await nothing_written(client)


async def test_invalid_utf8_import_is_422_nothing_written(client: httpx.AsyncClient) -> None:
    good = {"title": "Принтер печатает пустые листы", "body": "Замените картридж."}
    doc = json.dumps({"articles": [good, {"title": "Сломано", "body": "X"}]}, ensure_ascii=False).encode()
    bad = doc.replace("Сломано".encode(), b"\xd0\xa1\xff\xfe")  # was silently replaced by U+FFFD and imported
    r = await client.post(f"{KB}/import", content=bad, headers={"Content-Type": "application/json"})
    err = refused(r)
    assert "body" in err["fields"] and "UTF-8" in str(err["message"])  # type: ignore[operator]
    await nothing_written(client)
    r = await client.post(f"{KB}/import", content=doc, headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text  # the same document in valid UTF-8 imports cleanly
    assert (await client.get(f"{KB}/articles")).json()["total"] == 2


async def test_nul_in_an_import_is_422_nothing_written(client: httpx.AsyncClient) -> None:
    doc = {"articles": [ARTICLE, {"title": "b", "body": "x\x00y"}], "synonyms": [["впн", "vpn"]]}
    r = await client.post(f"{KB}/import", json=doc)
    assert "articles[1].body" in refused(r)["fields"]  # type: ignore[operator]
    r = await client.post(f"{KB}/import", json={"articles": [{**ARTICLE, "id": 2**31}]})
    assert "articles[0].id" in refused(r)["fields"]  # type: ignore[operator]
    await nothing_written(client)


async def test_error_responses_are_documented(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path, ops in spec["paths"].items():
        if not path.startswith(API):
            continue
        for method, op in ops.items():
            for status in ("401", "404", "409", "413", "422"):
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (method, path, status)

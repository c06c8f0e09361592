"""PUT/GET /api/v1/services/{code}/mail-addresses: the export of a system's user addresses for its e-mail notices;
a service's notice subject and sender in the catalog."""

from __future__ import annotations

import httpx


async def test_an_administrator_could_not_load_a_services_address_list(client: httpx.AsyncClient) -> None:
    r = await client.put("/api/v1/services/nttm/mail-addresses",
                         json={"addresses": ["B@corp.example.ru", "a@corp.example.ru", "b@corp.example.ru", "мусор"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"kept": 2, "refused": ["мусор"]}
    r = await client.get("/api/v1/services/nttm/mail-addresses")
    assert r.json() == {"addresses": ["a@corp.example.ru", "b@corp.example.ru"], "total": 2}
    # the next export replaces the list
    await client.put("/api/v1/services/nttm/mail-addresses", json={"addresses": ["c@corp.example.ru"]})
    assert (await client.get("/api/v1/services/nttm/mail-addresses", params={"per_page": 1})).json() == {
        "addresses": ["c@corp.example.ru"], "total": 1}
    assert (await client.put("/api/v1/services/nope/mail-addresses", json={"addresses": []})).status_code == 404


async def test_nttm_notices_carry_the_subject_and_sender_003_gives(client: httpx.AsyncClient) -> None:
    nttm = (await client.get("/api/v1/services/nttm")).json()
    assert (nttm["notice_subject"], nttm["notice_from"]) == ("Информационное письмо NTTM", "NTTM-support@RT.RU")
    r = await client.patch("/api/v1/services/clm", json={"notice_subject": "Информационное письмо CLM",
                                                        "notice_from": "clm-support@corp.example.ru"})
    assert r.status_code == 200 and r.json()["notice_from"] == "clm-support@corp.example.ru"
    assert (await client.patch("/api/v1/services/clm", json={"notice_from": "не адрес"})).status_code == 422
    assert (await client.patch("/api/v1/services/clm", json={"notice_from": None})).json()["notice_from"] is None

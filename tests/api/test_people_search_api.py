"""Line 1 finds people (ФИО, login, e-mail, МРФ) and their tickets; a call registered for a known person is theirs."""

from __future__ import annotations

from typing import Any

import httpx

from app.root import Root
from tests import factories as f


async def _people(root: Root) -> dict[str, Any]:
    anna = await f.user(root, tg_id=3101, login="a.petrova", full_name="Петрова Анна", region="Волга")
    ivan = await f.user(root, tg_id=None, login="i.smirnov", full_name="Смирнов Иван", region="Центр",
                        email="ivan@corp.ru")
    john = await f.user(root, tg_id=3103, login="j.smith", full_name="John Smith", region="Центр")
    return {"anna": anna.id, "ivan": ivan.id, "john": john.id}


async def _ids(client: httpx.AsyncClient, **params: Any) -> list[int]:
    r = await client.get("/api/v1/users", params=params)
    assert r.status_code == 200, r.text
    return [p["id"] for p in r.json()["items"]]


async def test_cyrillic_name_search_ignores_case_on_every_database(client: httpx.AsyncClient, root: Root) -> None:
    ids = await _people(root)
    # SQLite's LIKE and lower() fold ASCII only: «петров» must still find «Петрова»
    assert await _ids(client, q="петров") == [ids["anna"]]
    assert await _ids(client, q="ПЕТРОВА АННА") == [ids["anna"]]
    assert await _ids(client, q="I.SMIRNOV") == [ids["ivan"]]
    assert await _ids(client, q="corp.ru") == [ids["ivan"]]
    assert await _ids(client, q="smith") == [ids["john"]]
    assert await _ids(client, q="%") == [] and await _ids(client, q="_") == []  # wildcards are plain characters
    assert sorted(await _ids(client, region="Центр")) == sorted([ids["ivan"], ids["john"]])
    assert sorted(await _ids(client, q="smi", region="Центр")) == sorted([ids["john"], ids["ivan"]])
    # МРФ in any case and by a part of its name (SQLite folds only Latin letters: matched in Python)
    assert sorted(await _ids(client, region="центр")) == sorted([ids["ivan"], ids["john"]])
    assert await _ids(client, region="ВОЛ") == [ids["anna"]]
    assert await _ids(client, region="Сибирь") == []
    page = (await client.get("/api/v1/users", params={"region": "Центр", "per_page": 1, "page": 2})).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert await _ids(client, q="anna") == []  # no such name, login or e-mail
    first = (await client.get("/api/v1/users", params={"q": "петрова"})).json()["items"][0]
    assert (first["full_name"], first["login"], first["region"], first["telegram"]) == (
        "Петрова Анна", "a.petrova", "Волга", True)


async def test_person_with_their_tickets(client: httpx.AsyncClient, root: Root) -> None:
    ids = await _people(root)
    anna = await f.user(root, tg_id=3101, login="a.petrova")
    t1 = await f.incident(root, anna)
    t2 = await f.incident(root, anna, actual="Не открывается наряд")
    r = await client.get(f"/api/v1/users/{ids['anna']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tg_id"] == 3101 and body["tickets_total"] == 2
    assert [(t["number"], t["service"], t["status"]) for t in body["tickets"]] == [
        (t2.number, "nttm", "assigned"), (t1.number, "nttm", "assigned")]
    assert (await client.get(f"/api/v1/users/{ids['ivan']}")).json()["tickets"] == []
    assert (await client.get("/api/v1/users/999999")).status_code == 404
    assert (await client.get("/api/v1/users/0")).status_code == 422
    assert (await client.get("/api/v1/users/99999999999")).status_code == 422
    assert (await client.get("/api/v1/users", params={"q": "x" * 201})).status_code == 422


def _call(requester: dict[str, Any]) -> dict[str, Any]:
    return {"service": "nttm", "type": "incident", "priority": 3, "requester": requester,
            "fields": dict(f.INCIDENT_FIELDS)}


async def test_a_call_for_a_bot_user_finds_them_and_keeps_their_profile(client: httpx.AsyncClient,
                                                                        root: Root) -> None:
    bot_user = await f.user(root, tg_id=3201, login="p.petrov", full_name="Петров Пётр Петрович", region="Волга")
    by_login = await client.post("/api/v1/tickets", json=_call({"full_name": "Петров П.", "login": "P.Petrov",
                                                                "region": "Центр"}))
    assert by_login.status_code == 201, by_login.text
    by_email = await client.post("/api/v1/tickets", json=_call({"full_name": "Пётр",
                                                                "email": "P.PETROV@example.ru"}))
    assert by_email.status_code == 201, by_email.text
    assert by_login.json()["requester_id"] == by_email.json()["requester_id"] == bot_user.id
    requester = by_login.json()["requester"]
    # the person's own profile wins over what was typed on the phone
    assert (requester["full_name"], requester["region"], requester["telegram"]) == (
        "Петров Пётр Петрович", "Волга", True)
    mine = (await client.get(f"/api/v1/users/{bot_user.id}")).json()
    assert {t["id"] for t in mine["tickets"]} == {by_login.json()["id"], by_email.json()["id"]}
    assert (await client.get("/api/v1/users", params={"q": "петров"})).json()["total"] == 1


async def test_a_call_fills_what_a_known_person_lacks(client: httpx.AsyncClient, root: Root) -> None:
    first = await client.post("/api/v1/tickets", json=_call({"full_name": "Орлова Ольга", "login": "o.orlova"}))
    again = await client.post("/api/v1/tickets", json=_call({"full_name": "Орлова О.", "login": "o.orlova",
                                                             "email": "o.orlova@example.ru", "region": "Урал"}))
    assert first.status_code == again.status_code == 201, again.text
    who = again.json()["requester"]
    assert again.json()["requester_id"] == first.json()["requester_id"]
    assert (who["full_name"], who["email"], who["region"], who["telegram"]) == (
        "Орлова Ольга", "o.orlova@example.ru", "Урал", False)
    other = await f.user(root, tg_id=3301, login="k.kozlov", email="k.kozlov@example.ru")
    clash = await client.post("/api/v1/tickets", json=_call({"full_name": "Орлова", "login": "o.orlova",
                                                             "email": other.email}))
    assert clash.status_code == 201 and clash.json()["requester_id"] == first.json()["requester_id"]
    assert clash.json()["requester"]["email"] == "o.orlova@example.ru"  # a login found first; nothing is moved

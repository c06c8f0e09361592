"""Errors in the language of the request (Russian by default), saying what to do; the code never changes."""

from __future__ import annotations

import httpx


async def test_errors_are_russian_by_default_and_english_on_request(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/staff/999")
    assert r.status_code == 404
    assert r.json()["error"] == {"code": "not_found", "message": "Сотрудник 999 не найден. Проверьте идентификатор: "
                                                                 "список — в соответствующем GET-запросе."}
    en = await client.get("/api/v1/staff/999", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert en.json()["error"] == {"code": "not_found", "message": "staff member 999 not found"}

    r = await client.post("/api/v1/kb/articles", json={"title": "", "body": "x", "colour": 1})
    err = r.json()["error"]
    assert r.status_code == 422 and err["code"] == "validation_failed"
    assert err["fields"] == {"title": "не короче 1 знака", "colour": "неизвестное поле: уберите его"}
    assert err["message"].startswith("Неверные данные в полях: title, colour")
    en = (await client.post("/api/v1/kb/articles", json={"title": "", "body": "x"},
                            headers={"Accept-Language": "en"})).json()["error"]
    assert en["fields"] == {"title": "String should have at least 1 character"}


async def test_no_leaked_value_error_prefix(client: httpx.AsyncClient) -> None:
    """«Value error, …» leaked pydantic's wording into the field reasons."""
    for lang in ("ru", "en"):
        r = await client.get("/api/v1/tickets/abc", headers={"Accept-Language": lang})
        assert r.status_code == 422
        reason = r.json()["error"]["fields"]["ticket_ref"]
        assert not reason.startswith("Value error") and "SD-000042" in reason


async def test_conflict_and_status_texts(client: httpx.AsyncClient) -> None:
    body = {"code": "demo", "name": "Демо", "sla_policy": "nttm", "calendar": "msk-business"}
    assert (await client.post("/api/v1/services", json=body)).status_code == 201
    r = await client.post("/api/v1/services", json=body)
    assert r.status_code == 409 and r.json()["error"]["message"] == "Сервис 'demo' уже есть: выберите другое значение."

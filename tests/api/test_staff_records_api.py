"""Staff records: removal deactivates and puts the open tickets back in the queue; the Telegram account, login and
e-mail of a staff member can be changed, and each belongs to one person (409 when taken)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from app.root import Root
from core.catalog import people
from core.outbox.models import OutboxEvent
from tests import factories as f


async def test_removal_deactivates_and_requeues_open_tickets(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    leaver = await f.staff(root, tg_id=7101)
    other = await f.staff(root, tg_id=7102)
    working, waiting, resolved, theirs = [await f.incident(root, u) for _ in range(4)]
    for t in (working, waiting, resolved):
        await client.post(f"/api/v1/tickets/{t.id}/actions", json={"action": "take", "staff_id": leaver.id})
    await client.post(f"/api/v1/tickets/{theirs.id}/actions", json={"action": "take", "staff_id": other.id})
    await client.post(f"/api/v1/tickets/{waiting.id}/actions",
                      json={"action": "request_info", "staff_id": leaver.id, "text": "Номер наряда?"})
    await client.post(f"/api/v1/tickets/{resolved.id}/actions",
                      json={"action": "resolve", "staff_id": leaver.id, "text": "Готово", **f.CLOSING})
    assert (await client.delete(f"/api/v1/staff/{leaver.id}")).status_code == 204
    assert (await client.get(f"/api/v1/staff/{leaver.id}")).json()["active"] is False

    async def state(t_id: int) -> tuple[str, int | None]:
        d = (await client.get(f"/api/v1/tickets/{t_id}")).json()
        return d["status"], d["assignee_id"]

    assert await state(working.id) == ("assigned", None)  # back in the group's queue
    assert await state(waiting.id) == ("waiting_user", None)  # still waits for the user, now for the group
    assert await state(resolved.id) == ("resolved", leaver.id)  # done work keeps who did it
    assert await state(theirs.id) == ("in_progress", other.id)
    h = (await client.get(f"/api/v1/tickets/{working.id}")).json()["history"][-1]
    assert (h["action"], h["actor_kind"], h["from_status"], h["to_status"]) == (
        "requeue", "system", "in_progress", "assigned")
    assert h["details"] == {"reason": "staff_deactivated", "staff_id": leaver.id, "line": "line2"}
    async with root.session_factory() as s:
        events = (await s.scalars(select(OutboxEvent).where(OutboxEvent.topic.in_(
            ("ticket.requeue", "staff.deactivated"))).order_by(OutboxEvent.id))).all()
    assert [(e.topic, e.ticket_id) for e in events] == [
        ("ticket.requeue", working.id), ("ticket.requeue", waiting.id), ("staff.deactivated", None)]
    assert events[-1].payload["tickets"] == [working.id, waiting.id]
    # a removed member acts no more; a colleague takes the ticket from the queue
    gone = await client.post(f"/api/v1/tickets/{working.id}/actions", json={"action": "take", "staff_id": leaver.id})
    assert gone.status_code == 404
    taken = await client.post(f"/api/v1/tickets/{working.id}/actions", json={"action": "take", "staff_id": other.id})
    assert taken.status_code == 200


async def test_the_telegram_account_of_a_staff_member_is_set_and_changed(client: httpx.AsyncClient,
                                                                         root: Root) -> None:
    r = await client.post("/api/v1/staff", json={"line_code": "line1", "user": {"full_name": "Без Телеграма",
                                                                                "login": "no.tg"}})
    assert r.status_code == 201 and r.json()["user"]["tg_id"] is None
    sid = r.json()["id"]
    set_ = await client.patch(f"/api/v1/staff/{sid}", json={"tg_id": 7201})
    assert set_.status_code == 200 and set_.json()["user"]["tg_id"] == 7201
    changed = await client.patch(f"/api/v1/staff/{sid}", json={"tg_id": 7202, "full_name": "С Телеграмом"})
    assert changed.status_code == 200
    assert (changed.json()["user"]["tg_id"], changed.json()["user"]["full_name"]) == (7202, "С Телеграмом")
    await f.user(root, tg_id=7203, login="someone")
    taken = await client.patch(f"/api/v1/staff/{sid}", json={"tg_id": 7203})
    assert taken.status_code == 409 and set(taken.json()["error"]["fields"]) == {"tg_id"}
    login_taken = await client.patch(f"/api/v1/staff/{sid}", json={"login": "SOMEONE"})
    assert login_taken.status_code == 409 and set(login_taken.json()["error"]["fields"]) == {"login"}
    assert (await client.get(f"/api/v1/staff/{sid}")).json()["user"]["tg_id"] == 7202  # nothing changed
    huge = await client.patch(f"/api/v1/staff/{sid}", json={"tg_id": 2**63})
    assert huge.status_code == 422 and "tg_id" in huge.json()["error"]["fields"]


async def test_a_login_is_one_persons(client: httpx.AsyncClient, root: Root) -> None:
    await f.user(root, tg_id=7301, login="k.kim")
    clash = await client.post("/api/v1/staff", json={"line_code": "line2", "user": {
        "tg_id": 7302, "full_name": "Другой Ким", "login": "K.Kim"}})
    assert clash.status_code == 409 and "login" in clash.json()["error"]["fields"]
    same = await client.post("/api/v1/staff", json={"line_code": "line2", "user": {
        "tg_id": 7301, "full_name": "Ким", "login": "k.kim"}})
    assert same.status_code == 201  # the person with that login (and that Telegram account) joins the line


async def test_an_email_of_another_person_is_409_naming_it_also_when_taken_meanwhile(
        client: httpx.AsyncClient, root: Root, monkeypatch: pytest.MonkeyPatch) -> None:
    await f.user(root, tg_id=7311, login="e.owner", email="e.owner@example.ru")
    await f.user(root, tg_id=7312, login="e.other")  # already known to the bot: the address is an UPDATE
    body = {"line_code": "line2", "user": {"tg_id": 7312, "full_name": "Другой", "email": "E.Owner@Example.RU"}}
    clash = await client.post("/api/v1/staff", json=body)
    assert clash.status_code == 409 and set(clash.json()["error"]["fields"]) == {"email"}

    async def nobody(*_: object) -> None:  # a concurrent registration commits the address after the look-up
        return None

    monkeypatch.setattr(people, "by_email", nobody)
    raced = await client.post("/api/v1/staff", json=body)
    assert raced.status_code == 409 and set(raced.json()["error"]["fields"]) == {"email"}, raced.text
    assert (await client.get("/api/v1/staff")).json() == []

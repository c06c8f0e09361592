"""Admin API of issue 10: staff invitations and line chats."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from app.root import Root
from core.staffdesk import chats


async def test_invitation_gives_a_one_use_code_and_the_deep_link(root: Root, client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/staff/invitations", json={"line_code": "line2", "is_coordinator": True})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["code"].startswith("inv_") and len(body["code"]) <= 64 and body["is_coordinator"] is True
    assert body["link"] is None  # an API-only process does not know the bot's username
    assert datetime.fromisoformat(body["expires_at"]) > datetime.now(UTC)
    root.api.state.services.settings.bot_username = "desk_bot"  # type: ignore[union-attr]
    again = (await client.post("/api/v1/staff/invitations", json={"line_code": "line1"})).json()
    assert again["link"] == f"https://t.me/desk_bot?start={again['code']}" and again["code"] != body["code"]


async def test_invitation_refusals(client: httpx.AsyncClient) -> None:
    both = await client.post("/api/v1/staff/invitations", json={"line_code": "line2", "staff_id": 1})
    assert both.status_code == 422
    unknown = await client.post("/api/v1/staff/invitations", json={"line_code": "nosuch"})
    assert unknown.status_code == 422 and "line_code" in unknown.json()["error"]["fields"]
    missing = await client.post("/api/v1/staff/invitations", json={"staff_id": 99999})
    assert missing.status_code == 404


async def test_line_chats_bound_listed_and_broken_shown(root: Root, client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/line-chats", json={"chat_id": -100500, "group_code": "line2",
                                                      "service_code": "nttm"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "active" and r.json()["service_code"] == "nttm"
    await client.post("/api/v1/line-chats", json={"chat_id": -100600, "group_code": "line1"})
    await chats.mark_broken(uow=root.uow(), chat_id=-100500, reason="бот не состоит в этой группе")
    listed = (await client.get("/api/v1/line-chats")).json()
    assert [(c["chat_id"], c["status"], c["reason"]) for c in listed] == [
        (-100500, "broken", "бот не состоит в этой группе"), (-100600, "active", None)]
    bad = await client.post("/api/v1/line-chats", json={"chat_id": -1, "group_code": "omnichat-line2",
                                                        "service_code": "nttm"})
    assert bad.status_code == 422
    # a group moves to another chat: one chat per group and service
    await client.post("/api/v1/line-chats", json={"chat_id": -100700, "group_code": "line1"})
    listed = (await client.get("/api/v1/line-chats")).json()
    assert sorted(c["chat_id"] for c in listed) == [-100700, -100500]

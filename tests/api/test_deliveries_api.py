"""GET /api/v1/deliveries: what never reached its chat, with Telegram's reason; bearer auth and paging."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.root import Root
from core.db import utcnow
from core.outbox.models import Delivery, OutboxEvent


async def _ledger(root: Root) -> None:
    now = utcnow()
    async with root.session_factory() as s:
        events = [OutboxEvent(topic="ticket.take", ticket_id=i, payload={}) for i in (1, 2, 3, 4)]
        s.add_all(events)
        await s.flush()
        s.add_all([
            Delivery(event_id=events[0].id, chat_id=11, status="sent", attempts=1, updated_at=now),
            Delivery(event_id=events[1].id, chat_id=12, status="blocked", attempts=1,
                     error="Forbidden: bot was blocked by the user", updated_at=now - timedelta(minutes=2)),
            Delivery(event_id=events[2].id, chat_id=-13, status="failed", attempts=2,
                     error="Bad Request: message text is empty", updated_at=now - timedelta(minutes=1)),
            Delivery(event_id=events[3].id, chat_id=14, status="retry", attempts=5,
                     error="TelegramNetworkError: timeout", updated_at=now),
        ])
        await s.commit()


async def test_failed_deliveries_are_listed_with_the_reason(root: Root, client: httpx.AsyncClient) -> None:
    await _ledger(root)
    r = await client.get("/api/v1/deliveries", params={"status": "failed"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2 and body["page"] == 1
    assert [(d["chat_id"], d["status"], d["reason"], d["topic"]) for d in body["items"]] == [
        (-13, "failed", "Bad Request: message text is empty", "ticket.take"),
        (12, "blocked", "Forbidden: bot was blocked by the user", "ticket.take")]
    assert all(d["at"] and d["event_id"] for d in body["items"])
    pending = (await client.get("/api/v1/deliveries", params={"status": "pending"})).json()
    assert [d["chat_id"] for d in pending["items"]] == [14]
    page2 = (await client.get("/api/v1/deliveries", params={"per_page": 1, "page": 2})).json()
    assert page2["total"] == 2 and [d["chat_id"] for d in page2["items"]] == [12]


async def test_deliveries_need_the_token_and_a_known_status(anon: httpx.AsyncClient,
                                                            client: httpx.AsyncClient) -> None:
    assert (await anon.get("/api/v1/deliveries")).status_code == 401
    r = await client.get("/api/v1/deliveries", params={"status": "lost"})
    assert r.status_code == 422 and "status" in r.json()["error"]["fields"]

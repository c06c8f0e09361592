"""GET /api/v1/broadcasts/{id} (progress: counts, rate, estimated finish) and POST …/cancel."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from app.root import Root
from core.broadcasts import service
from core.broadcasts.models import BroadcastRecipient, RecipientStatus
from core.catalog.models import User
from core.db import utcnow


async def _broadcast(root: Root, n: int) -> int:
    async with root.session_factory() as s:
        s.add_all([User(tg_id=10_000 + i, login=f"api{i}") for i in range(n)])
        await s.commit()

    return await service.create_broadcast(uow=root.uow(), kind="outage", texts={"ru": "Авария"},
                                          audience=service.users_audience(select(User.id)))


async def test_progress_counts_each_outcome_with_rate_and_eta(root: Root, client: httpx.AsyncClient) -> None:
    bid = await _broadcast(root, 100)
    now = utcnow()
    async with root.session_factory() as s:
        ids = [r.id for r in (await s.scalars(select(BroadcastRecipient)
                                              .order_by(BroadcastRecipient.id))).all()]
        plan = ([RecipientStatus.sent] * 30 + [RecipientStatus.failed] * 2 + [RecipientStatus.blocked] * 3
                + [RecipientStatus.uncertain])
        for rid, status in zip(ids, plan, strict=False):
            await s.execute(update(BroadcastRecipient).where(BroadcastRecipient.id == rid)
                            .values(status=status, updated_at=now - timedelta(seconds=5)))
        await s.commit()
    r = await client.get(f"/api/v1/broadcasts/{bid}")
    assert r.status_code == 200
    body = r.json()
    assert (body["total"], body["sent"], body["failed"], body["blocked"], body["uncertain"], body["pending"]) == (
        100, 30, 2, 3, 1, 64)
    assert body["rate"] == 1.0  # 30 sent over the last 30 s
    assert body["eta"] is not None and body["status"] == "sending"

    r = await client.post(f"/api/v1/broadcasts/{bid}/cancel")
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["cancelled"], r.json()["pending"]) == ("cancelled", 64, 0)


async def test_unknown_broadcast_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/broadcasts/999")).status_code == 404
    assert (await client.post("/api/v1/broadcasts/999/cancel")).status_code == 404

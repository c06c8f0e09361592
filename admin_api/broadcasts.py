"""Admin API: a broadcast's progress, and cancelling it."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from admin_api.deps import Uow
from admin_api.fields import Id
from admin_api.schemas import Out
from core.broadcasts import service

router = APIRouter(tags=["broadcasts"])


class BroadcastOut(Out):
    id: int
    kind: str
    subject: str | None
    status: str
    total: int
    sent: int
    failed: int
    blocked: int
    uncertain: int
    cancelled: int
    pending: int
    rate: float
    eta: datetime | None
    created_at: datetime
    finished_at: datetime | None


@router.get("/broadcasts/{broadcast_id}", response_model=BroadcastOut)
async def get_broadcast(broadcast_id: Id, uow: Uow) -> BroadcastOut:
    """Progress: rows per outcome, the current rate (messages/s over the last 30 s) and the estimated finish."""
    return BroadcastOut.model_validate(await service.get_progress(uow=uow.read(), broadcast_id=broadcast_id))


@router.post("/broadcasts/{broadcast_id}/cancel", response_model=BroadcastOut)
async def cancel_broadcast(broadcast_id: Id, uow: Uow) -> BroadcastOut:
    """Stops a broadcast: recipients not sent yet are cancelled; what was sent stays sent."""
    return BroadcastOut.model_validate(await service.cancel_broadcast(uow=uow(), broadcast_id=broadcast_id))

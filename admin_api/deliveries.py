"""Admin API: the delivery ledger (which notices never reached their chat, and why)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query

from admin_api.deps import Uow
from admin_api.fields import PageNo
from admin_api.schemas import Out
from core.outbox import service as outbox

router = APIRouter(tags=["deliveries"])


class DeliveryOut(Out):
    id: int
    event_id: int
    topic: str
    ticket_id: int | None
    chat_id: int
    user_id: int | None
    status: str
    reason: str | None
    attempts: int
    at: datetime


class DeliveryPage(Out):
    items: list[DeliveryOut]
    total: int
    page: int
    per_page: int


@router.get("/deliveries", response_model=DeliveryPage)
async def list_deliveries(uow: Uow,
                          status: Literal["failed", "pending", "sent"] = Query(
                              default="failed", description="failed: refused for good (blocked, chat not found, "
                                                            "…); pending: not sent yet; sent"),
                          page: PageNo = 1,
                          per_page: int = Query(default=50, ge=1, le=200)) -> DeliveryPage:
    """Deliveries of outbox events to chats, newest first; `failed` ones carry Telegram's reason."""
    rows, total = await outbox.list_deliveries(uow=uow.read(), view=status,
                                               offset=(page - 1) * per_page, limit=per_page)
    return DeliveryPage(items=[DeliveryOut.model_validate(r) for r in rows], total=total, page=page,
                        per_page=per_page)

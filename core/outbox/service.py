"""Read side of the delivery ledger: what reached its chat, what is still pending, what never will."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core.outbox.models import Delivery, DeliveryStatus, OutboxEvent
from core.uow import UnitOfWork

# the API's three views of a delivery row
VIEWS: dict[str, tuple[str, ...]] = {
    "failed": (DeliveryStatus.failed, DeliveryStatus.blocked),
    "pending": (DeliveryStatus.sending, DeliveryStatus.retry),
    "sent": (DeliveryStatus.sent,),
}


@dataclass(frozen=True, slots=True)
class DeliveryRow:
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


async def list_deliveries(*, uow: UnitOfWork, view: str, offset: int, limit: int) -> tuple[list[DeliveryRow], int]:
    """Deliveries in one view ("failed", "pending", "sent"), newest first, with the total count."""
    statuses = VIEWS[view]
    async with uow:
        total = await uow.session.scalar(select(func.count()).select_from(Delivery)
                                         .where(Delivery.status.in_(statuses))) or 0
        rows = (await uow.session.execute(
            select(Delivery, OutboxEvent.topic, OutboxEvent.ticket_id)
            .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
            .where(Delivery.status.in_(statuses)).order_by(Delivery.updated_at.desc(), Delivery.id.desc())
            .offset(offset).limit(limit))).all()
    return [DeliveryRow(id=d.id, event_id=d.event_id, topic=topic, ticket_id=ticket_id, chat_id=d.chat_id,
                        user_id=d.user_id, status=d.status, reason=d.error, attempts=d.attempts, at=d.updated_at)
            for d, topic, ticket_id in rows], total

"""A ticket linked to an announced release (003 «Решение обращения»: «Если устранение дефекта реализовано
в патче/обновлении, то разрешение обращения выполняется по факту установки соответствующего обновления Системы»).

The ticket stays «В работе» and its SLA clock runs: the regulations stop it only while the ticket waits for the
requester (003 «Исследование и диагностика»: «время … приостанавливается до получения дополнительной информации
… от инициатора обращения»), and a release is the executor's own work. Installing the release resolves it
(core.planned.releases); a cancelled release unlinks it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.models import Service
from core.errors import Conflict, NotFound, ValidationFailed
from core.planned.models import PlannedWork, WorkKind, WorkStatus
from core.tickets.closing import closing_fields
from core.tickets.models import Ticket
from core.uow import UnitOfWork

OPEN_RELEASE = (WorkStatus.scheduled, WorkStatus.started)


async def link(session: AsyncSession, ticket: Ticket, *, params: dict[str, Any], details: dict[str, Any]) -> None:
    """Links the ticket to an open release of its service; the configuration item (the class of the problem,
    needed to resolve it) comes with the link, as the resolution will come with no one at the keyboard."""
    raw = params.get("release_id")
    if raw in (None, ""):
        raise ValidationFailed("release_id is required", fields={"release_id": "Номер объявленного релиза"})
    try:
        release_id = int(raw)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("release_id is a number", fields={"release_id": "Номер релиза — число"}) from exc
    w = await session.get(PlannedWork, release_id)
    if w is None or w.kind != WorkKind.release:
        raise NotFound(f"release {release_id} not found", release_id=release_id)
    if w.status not in OPEN_RELEASE:
        raise Conflict(f"release {release_id} is already {w.status}", status=w.status)
    service = await session.get(Service, ticket.service_id)
    if service is None or service.code not in (w.services or []):
        raise ValidationFailed(f"release {release_id} is not a release of the ticket's service",
                               fields={"release_id": "Релиз другого сервиса: выберите релиз сервиса обращения"})
    if ticket.release_id == release_id:
        raise Conflict(f"{ticket.number} is already linked to release {release_id}", release_id=release_id)
    # the release's row is claimed while it is still open: an installation or a cancellation committing meanwhile
    # either waits for this link (and finds the ticket) or makes this a 409, never leaves it linked to a closed one
    claimed = await session.execute(update(PlannedWork).where(PlannedWork.id == w.id,
                                                              PlannedWork.status.in_(OPEN_RELEASE))
                                    .values(status=PlannedWork.status).execution_options(synchronize_session=False))
    if getattr(claimed, "rowcount", 1) == 0:
        raise Conflict(f"release {release_id} has just ended", release_id=release_id)
    # checked now against the catalog; the code and the solution come with the installation
    done = await closing_fields(session, ticket=ticket, params={**params, "closing_code": "resolved"},
                                solution="—")
    ticket.config_item = done["config_item"]
    ticket.release_id = w.id
    details.update(release_id=w.id, release=w.title, config_item=done["config_item"],
                   ends_at=w.ends_at.isoformat())


def unlink(ticket: Ticket, *, params: dict[str, Any], details: dict[str, Any]) -> None:
    """Takes the ticket off its release: it is worked on as before."""
    if ticket.release_id is None:
        raise Conflict(f"{ticket.number} is not linked to a release")
    details["release_id"], ticket.release_id = ticket.release_id, None
    if params.get("release"):
        details["release"] = str(params["release"])


def facts(w: PlannedWork) -> dict[str, Any]:
    """What the notices of a release's tickets name, each in its reader's language (bot.delivery.render)."""
    return {"release_id": w.id, "release": w.title, "changes": [str(c) for c in (w.changes or [])]}


def solution(w: PlannedWork) -> str:
    """The solution a release's installation gives its linked tickets."""
    changes = "; ".join(str(c) for c in (w.changes or []))
    return (f"Исправление установлено в составе релиза №{w.id} «{w.title}»"
            + (f". Изменения: {changes}" if changes else ""))


async def installed_facts(*, uow: UnitOfWork, ticket: Ticket) -> dict[str, Any] | None:
    """The facts of the release whose installation gave a resolved (or closed) ticket its stored solution, so its
    requester reads it in their language (the stored text is Russian); None when the solution is someone's own."""
    if ticket.release_id is None or ticket.status not in ("resolved", "closed") or not ticket.solution:
        return None
    async with uow:
        w = await uow.session.get(PlannedWork, ticket.release_id)
    if w is None or ticket.solution != solution(w):
        return None
    return {**facts(w), "why": "installed"}

"""A new ticket: what registration checks (the service, the request type, the level, the contract, the intake
fields) and what it stores (the ticket, its files, its history); the use cases are core/tickets/service.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select, true

from core.catalog import repo as catalog_repo
from core.catalog.intake import FieldKind, RequestType, intake_fields, validate_fields
from core.catalog.models import Organisation, Service, User
from core.errors import NotFound, ValidationFailed
from core.tickets import approval, effects, routing
from core.tickets.contract import check_contract
from core.tickets.lifecycle import Actor
from core.tickets.models import Attachment, Ticket, TicketHistory
from core.uow import UnitOfWork

PROFILE_KEYS = ("full_name", "login", "email", "region")


@dataclass(frozen=True, slots=True)
class FileRef:
    file_id: str
    name: str = ""
    mime: str | None = None
    size: int | None = None
    file_unique_id: str | None = None
    kind: str | None = None  # photo, voice, audio or document: how Telegram sends the file id back


def event_payload(ticket: Ticket, **extra: Any) -> dict[str, Any]:
    """The facts every ticket event carries, plus the event's own."""
    return {"ticket_id": ticket.id, "number": ticket.number, "requester_id": ticket.requester_id,
            "line": ticket.line, "assignee_id": ticket.assignee_id, "status": ticket.status,
            "priority": ticket.priority, "service_id": ticket.service_id, **extra}


async def organisation_id(uow: UnitOfWork, requester: dict[str, Any]) -> int | None:
    """The requester's organisation from the catalog, by id or by name (any case); None when none is given."""
    org_id, name = requester.get("organisation_id"), " ".join(str(requester.get("organisation") or "").split())
    if org_id is not None:
        if await uow.session.get(Organisation, org_id) is None:
            raise ValidationFailed(f"organisation {org_id} not found",
                                   fields={"requester.organisation_id": "Организация не найдена"})
        return int(org_id)
    if not name:
        return None
    orgs = (await uow.session.scalars(select(Organisation))).all()
    found = [o for o in orgs if o.name.casefold() == name.casefold()]
    if not found:
        raise ValidationFailed(f"organisation '{name}' not found",
                               fields={"requester.organisation": f"Организация «{name}» не найдена в справочнике"})
    return found[0].id


@cache
def requester_and_service() -> Select[User, Service]:
    """The requester and the service in one statement, by :uid and :code."""
    # built once: composing the statement cost more than running it
    return select(User, Service).join(Service, true()).where(User.id == bindparam("uid"),
                                                             Service.code == bindparam("code"))


def active_service(service: Service | None, code: str) -> Service:
    """The service, if it exists and is active; NotFound otherwise."""
    if service is None or not service.active:
        raise NotFound(f"unknown service '{code}'", service=code)
    return service


async def service_by_code(uow: UnitOfWork, code: str) -> Service:
    """The active service with this code."""
    return active_service(await catalog_repo.service_by_code(uow.session, code), code)


async def register_in(uow: UnitOfWork, *, service: Service, request_type: str, priority: int | None, user: User,
                       fields: dict[str, Any], channel: str, attachments: Sequence[FileRef], actor: Actor | None,
                       tz: ZoneInfo, now: datetime, intake_key: str | None = None) -> Ticket:
    """A new ticket checked against the service (type, level, contract, intake fields), routed and stored."""
    service_code = service.code
    if request_type not in RequestType.__members__ or (
            service.request_types and request_type not in service.request_types):
        raise ValidationFailed(f"request type '{request_type}' is not offered for '{service_code}'",
                               fields={"type": "Вид обращения: выберите один из доступных для сервиса"})
    fixed = (service.type_priority or {}).get(request_type)
    if fixed is not None and priority not in (None, fixed):
        # ТЕКОН: the assistance level follows the kind of request; ОП4 is opened by staff from an open ОП3
        raise ValidationFailed(f"the level of '{request_type}' in '{service_code}' is fixed",
                               fields={"priority": "Уровень помощи определяется видом обращения"})
    priority = fixed if fixed is not None else priority
    if priority not in (1, 2, 3, 4):
        raise ValidationFailed("priority must be 1..4", fields={"priority": "Приоритет: число от 1 до 4"})
    check_contract(service=service, user=user, on=now, tz=tz)
    specs = intake_fields(service_intake=service.intake, request_type=request_type)
    values = {k: getattr(user, k) for k in PROFILE_KEYS if getattr(user, k, None)} | dict(fields)
    for spec in specs:
        if spec.kind is FieldKind.files and spec.required and attachments and not values.get(spec.key):
            # files come as attachments: a required screenshot is there when a file is
            values[spec.key] = [ref.name or ref.file_id for ref in attachments]
    values = {k: v for k, v in values.items() if k in {s.key for s in specs} or k in fields}
    clean, problems = validate_fields(specs=specs, values=values, now=now, tz=tz)
    if problems:
        raise ValidationFailed("required details are missing or wrong", fields=problems)
    line = await routing.first_group(uow.session, service=service, request_type=request_type)
    ticket = Ticket(type=request_type, service_id=service.id, priority=priority, status="assigned",
                    line=line, requester_id=user.id, channel=channel,
                    title=effects.make_title(clean, request_type), fields=clean, created_at=now, updated_at=now,
                    intake_key=intake_key)
    uow.session.add(ticket)
    await uow.session.flush()
    for ref in attachments:
        uow.session.add(attachment(ticket.id, ref, now))
    who = actor or Actor("user", user.id)
    uow.session.add(TicketHistory(ticket_id=ticket.id, at=now, actor_kind=who.kind, actor_id=who.id,
                                  action="register", from_status=None, to_status="assigned",
                                  details={"channel": channel}))
    await approval.on_register(uow=uow, ticket=ticket, user=user, now=now)
    await effects.after_register(uow=uow, ticket=ticket, service=service, now=now)
    uow.add_event("ticket.registered", event_payload(ticket, type=request_type, service=service.code),
                  ticket_id=ticket.id)
    return ticket


def attachment(ticket_id: int, ref: FileRef, now: datetime, comment_id: int | None = None) -> Attachment:
    """The attachment row of a file given with a ticket or a comment."""
    return Attachment(ticket_id=ticket_id, file_id=ref.file_id, file_unique_id=ref.file_unique_id,
                      name=ref.name, mime=ref.mime, size=ref.size, kind=ref.kind, comment_id=comment_id,
                      created_at=now)

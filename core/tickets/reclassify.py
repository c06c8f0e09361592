"""Line 1 corrects a misfiled ticket: another service and/or request type, or another group (the development
group); the ticket is routed again and its SLA clock follows the new service's policy (see core.sla.clock)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.catalog import repo as catalog_repo
from core.catalog.intake import TYPE_NAMES, FieldKind, RequestType, intake_fields
from core.catalog.models import Service, Staff, User
from core.errors import Forbidden, ValidationFailed
from core.tickets import routing
from core.tickets.contract import check_contract
from core.tickets.models import Comment, Ticket

if TYPE_CHECKING:
    from core.uow import UnitOfWork

TZ = ZoneInfo("Europe/Moscow")  # the day a support period is checked on (the registration's default too)
ASK = {"ru": "Обращение перенесено: «{service}», {type}. Для него не хватает сведений: {fields}. Пришлите их, "
             "пожалуйста, ответом на это сообщение.",
       "en": "The request was moved: «{service}», {type}. It lacks these details: {fields}. Please send them in "
             "your answer to this message."}


def authorize(*, staff: Staff) -> None:
    """Line 1 (the desk) or a service manager corrects a ticket's classification."""
    if not (staff.is_service_manager or staff.group.level == "line1"):
        raise Forbidden("only line 1 or a service manager corrects a ticket's service and type")


async def _target(uow: UnitOfWork, code: str) -> Service:
    service = await catalog_repo.service_by_code(uow.session, code)
    if service is None or not service.active:
        raise ValidationFailed(f"unknown service '{code}'", fields={"service": f"Сервис «{code}» не найден"})
    return service


async def apply(*, uow: UnitOfWork, ticket: Ticket, staff: Staff, params: dict[str, Any],
                now: datetime) -> dict[str, Any]:
    """Moves the ticket to its right service, type and group; returns the history details."""
    old = await uow.session.get(Service, ticket.service_id)
    assert old is not None  # a foreign key
    service = await _target(uow, str(params.get("service") or old.code))
    rtype = str(params.get("type") or ticket.type)
    to_line = str(params.get("to_line") or "")
    if rtype not in RequestType.__members__ or (service.request_types and rtype not in service.request_types):
        raise ValidationFailed(f"request type '{rtype}' is not offered for '{service.code}'",
                               fields={"type": "Вид обращения: один из доступных для сервиса"})
    if service.id == old.id and rtype == ticket.type and not to_line:
        raise ValidationFailed("nothing to change", fields={
            "service": "Укажите другой сервис, вид обращения (type) или группу (to_line)"})
    if staff.group.service_code not in (None, service.code):
        raise Forbidden(f"{staff.group.name} cannot move a ticket to «{service.name}»")
    if service.requires_contract and service.id != old.id:
        user = await uow.session.get(User, ticket.requester_id)
        assert user is not None  # a foreign key
        check_contract(service=service, user=user, on=now, tz=TZ)
    if to_line:
        group = await routing.target_group(uow.session, service_code=service.code, to=to_line)
        if group is None:
            raise ValidationFailed(f"no group '{to_line}' for '{service.code}'",
                                   fields={"to_line": "Группа: код группы сервиса или уровень line1/line2/line3/dev"})
        dest = group.code
    else:
        dest = await routing.first_group(uow.session, service=service, request_type=rtype)
    details: dict[str, Any] = {"from_service": old.code, "to_service": service.code, "from_type": ticket.type,
                               "to_type": rtype, "from_line": ticket.line, "to_line": dest}
    why = str(params.get("reason") or params.get("text") or "").strip()
    if why:
        details["text"] = why
    fixed = (service.type_priority or {}).get(rtype)
    if fixed is not None and fixed != ticket.priority:
        details.update(old_priority=ticket.priority, new_priority=fixed)
        ticket.priority = int(fixed)
    fields = ticket.fields or {}
    missing = [s.key for s in intake_fields(service_intake=service.intake, request_type=rtype)
               if s.required and s.kind is not FieldKind.files and not fields.get(s.key)]
    if missing:
        # 003: «исполнитель может запросить дополнительную информацию у инициатора обращения. При этом время,
        # выделенное на решение данного обращения, приостанавливается до получения дополнительной информации»:
        # the requester is asked at once and the ticket waits for them (the clock pauses, core.sla.clock)
        details["missing_fields"] = missing
        requester = await uow.session.get(User, ticket.requester_id)
        loc = requester.locale if requester is not None and requester.locale in ASK else "ru"
        labels = {s.key: s.label[loc] for s in intake_fields(service_intake=service.intake, request_type=rtype)}
        ask = ASK[loc].format(service=service.name, type=TYPE_NAMES.get(rtype, {}).get(loc, rtype),
                              fields="; ".join(labels[k] for k in missing))
        details["question"] = ticket.pending_question = ask
        uow.session.add(Comment(ticket_id=ticket.id, author_kind="staff", author_id=staff.id, text=ask, public=True,
                                created_at=now))
    ticket.missing_fields = missing
    ticket.service_id, ticket.type, ticket.line, ticket.assignee_id = service.id, rtype, dest, None
    return details

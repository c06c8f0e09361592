"""Ticket use cases: each owns one transaction and writes history and an outbox event with the change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select, true
from sqlalchemy.exc import IntegrityError

from core.catalog import people
from core.catalog import repo as catalog_repo
from core.catalog.intake import FieldKind, RequestType, intake_fields, validate_fields
from core.catalog.models import Organisation, Service, Staff, User
from core.db import utcnow
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.tickets import approval, effects, races, routing
from core.tickets.contract import check_contract
from core.tickets.lifecycle import SYSTEM, Action, Actor, Step, next_status
from core.tickets.models import Attachment, Comment, Ticket, TicketHistory, parse_number
from core.tickets.queries import TicketFilter, search
from core.uow import UnitOfWork, WriteConflict

__all__ = ["SYSTEM", "Actor"]  # defined in lifecycle (below the SLA clock too), kept importable from here

PROFILE_KEYS = ("full_name", "login", "email", "region")


@dataclass(frozen=True, slots=True)
class FileRef:
    file_id: str
    name: str = ""
    mime: str | None = None
    size: int | None = None
    file_unique_id: str | None = None
    kind: str | None = None  # photo, voice, audio or document: how Telegram sends the file id back


def _event_payload(ticket: Ticket, **extra: Any) -> dict[str, Any]:
    return {"ticket_id": ticket.id, "number": ticket.number, "requester_id": ticket.requester_id,
            "line": ticket.line, "assignee_id": ticket.assignee_id, "status": ticket.status,
            "priority": ticket.priority, "service_id": ticket.service_id, **extra}


async def register(*, uow: UnitOfWork, service_code: str, request_type: str, priority: int | None,
                   requester_id: int,
                   fields: dict[str, Any], channel: str = "telegram", attachments: Sequence[FileRef] = (),
                   actor: Actor | None = None, tz: ZoneInfo = ZoneInfo("Europe/Moscow"),
                   now: datetime | None = None, intake_key: str | None = None) -> Ticket:
    """Registers a ticket with all the details its type and service require; once per `intake_key`.

    `intake_key` names one intake dialog: its «Отправить» handled again (an update retried after a crash, or two
    instances whose lease overlapped) returns the ticket it registered instead of a second one.
    """
    if intake_key is not None and (found := await _by_intake_key(uow, intake_key)) is not None:
        return found
    try:
        async with uow:
            # the requester and the service in one round trip: on SQLite each statement costs several thread hops
            row = (await uow.session.execute(_requester_and_service(),
                                             {"uid": requester_id, "code": service_code})).first()
            if row is None:
                await _service(uow, service_code)
                raise NotFound(f"unknown user {requester_id}")
            user, service = row
            ticket = await _register_in(uow, service=_active(service, service_code), request_type=request_type,
                                        priority=priority, user=user, fields=fields, channel=channel,
                                        attachments=attachments, actor=actor, tz=tz, now=now or utcnow(),
                                        intake_key=intake_key)
            await uow.commit()
            return ticket
    except IntegrityError:
        # the same key committed by the other handling a moment ago: its ticket (and its one notice) stand
        if intake_key is None or (found := await _by_intake_key(uow, intake_key)) is None:
            raise
        return found


async def _by_intake_key(uow: UnitOfWork, intake_key: str) -> Ticket | None:
    async with uow:
        return await uow.session.scalar(select(Ticket).where(Ticket.intake_key == intake_key))


async def register_on_behalf(*, uow: UnitOfWork, service_code: str, request_type: str, priority: int | None,
                             requester: dict[str, Any], fields: dict[str, Any], channel: str = "phone",
                             staff_id: int | None = None, tz: ZoneInfo = ZoneInfo("Europe/Moscow"),
                             now: datetime | None = None) -> Ticket:
    """Line 1 registers a ticket after a call or an e-mail; the requester is found by login/e-mail or created.

    A person found keeps their own profile (the bot user's ФИО and МРФ); the ticket is theirs, so it is in their
    «Мои обращения» and every change reaches them in Telegram.

    `requester["organisation"]` (a name, or `organisation_id`) is the company the caller named: the contract
    check of a contract-bound service runs on it (ТЕКОН 002: «наименование компании и ФИО обратившегося»).
    """
    async with uow:
        # one transaction for the requester and the ticket: a refused registration leaves no stray user behind
        if staff_id is not None and await uow.session.get(Staff, staff_id) is None:
            raise NotFound(f"staff member {staff_id} not found")
        profile: dict[str, Any] = {k: requester.get(k) for k in PROFILE_KEYS}
        profile["organisation_id"] = await _organisation_id(uow, requester)
        user = await people.for_call_in(uow, **profile)
        if profile["organisation_id"] is not None:
            await uow.session.refresh(user, ["organisation"])
        actor = Actor("staff", staff_id) if staff_id is not None else Actor("user", user.id)
        ticket = await _register_in(uow, service=await _service(uow, service_code), request_type=request_type,
                                    priority=priority, user=user, fields=fields, channel=channel, attachments=(),
                                    actor=actor, tz=tz, now=now or utcnow())
        await uow.commit()
        return ticket


async def _organisation_id(uow: UnitOfWork, requester: dict[str, Any]) -> int | None:
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
def _requester_and_service() -> Select[User, Service]:
    # built once: composing the statement cost more than running it
    return select(User, Service).join(Service, true()).where(User.id == bindparam("uid"),
                                                             Service.code == bindparam("code"))


def _active(service: Service | None, code: str) -> Service:
    if service is None or not service.active:
        raise NotFound(f"unknown service '{code}'", service=code)
    return service


async def _service(uow: UnitOfWork, code: str) -> Service:
    return _active(await catalog_repo.service_by_code(uow.session, code), code)


async def _register_in(uow: UnitOfWork, *, service: Service, request_type: str, priority: int | None, user: User,
                       fields: dict[str, Any], channel: str, attachments: Sequence[FileRef], actor: Actor | None,
                       tz: ZoneInfo, now: datetime, intake_key: str | None = None) -> Ticket:
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
        uow.session.add(_attachment(ticket.id, ref, now))
    who = actor or Actor("user", user.id)
    uow.session.add(TicketHistory(ticket_id=ticket.id, at=now, actor_kind=who.kind, actor_id=who.id,
                                  action="register", from_status=None, to_status="assigned",
                                  details={"channel": channel}))
    await approval.on_register(uow=uow, ticket=ticket, user=user, now=now)
    await effects.after_register(uow=uow, ticket=ticket, service=service, now=now)
    uow.add_event("ticket.registered", _event_payload(ticket, type=request_type, service=service.code),
                  ticket_id=ticket.id)
    return ticket


def _attachment(ticket_id: int, ref: FileRef, now: datetime, comment_id: int | None = None) -> Attachment:
    return Attachment(ticket_id=ticket_id, file_id=ref.file_id, file_unique_id=ref.file_unique_id,
                      name=ref.name, mime=ref.mime, size=ref.size, kind=ref.kind, comment_id=comment_id,
                      created_at=now)


async def apply_action(*, uow: UnitOfWork, ticket_id: int, action: str, actor: Actor,
                       params: dict[str, Any] | None = None, now: datetime | None = None,
                       files: Sequence[FileRef] = ()) -> Ticket:
    """Performs one lifecycle action; illegal ones raise and write nothing. Files go with a user's answer."""
    try:
        return await _apply_action(uow=uow, ticket_id=ticket_id, action=action, actor=actor, params=params, now=now,
                                   files=files)
    except WriteConflict as exc:
        raise await races.who_acted_first(uow, ticket_id, exc) from exc


async def _apply_action(*, uow: UnitOfWork, ticket_id: int, action: str, actor: Actor,
                        params: dict[str, Any] | None, now: datetime | None, files: Sequence[FileRef]) -> Ticket:
    if files and action != "user_answers":
        raise ValidationFailed(f"files cannot go with {action}", fields={"files": "Файлы прикладываются к ответу"})
    async with uow:
        ticket = await step_in(uow, ticket_id=ticket_id, action=action, actor=actor, params=params, now=now,
                               files=files)
        await uow.commit()
        return ticket


async def step_in(uow: UnitOfWork, *, ticket_id: int, action: str, actor: Actor, params: dict[str, Any] | None,
                  now: datetime | None, files: Sequence[FileRef] = (), event: dict[str, Any] | None = None) -> Ticket:
    """One lifecycle action inside an ENTERED unit of work the caller commits (a use case acting on several
    tickets at once, as a release's installation does); the checks (status, who, closing fields) raise first.
    `event`: facts its event carries besides the step's (what the notices render in each reader's language)."""
    now = now or utcnow()
    params = dict(params or {})
    ticket = await uow.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} not found")
    step = next_status(status=ticket.status, action=action)
    await effects.authorize(uow=uow, ticket=ticket, step=step, actor=actor, params=params)
    details = await effects.apply(uow=uow, ticket=ticket, step=step, actor=actor, params=params, now=now)
    step = effects.settled_step(ticket, step, details)
    if files:
        # the answer and its screenshot are one event: staff get one notice, and a crash keeps both or neither
        for ref in files:
            uow.session.add(_attachment(ticket.id, ref, now, details["comment_id"]))
        details["files"] = len(files)
    ticket.status = step.to_status.value
    ticket.updated_at = now
    uow.session.add(TicketHistory(ticket_id=ticket.id, at=now, actor_kind=actor.kind, actor_id=actor.id,
                                  action=step.action.value, from_status=step.from_status.value,
                                  to_status=step.to_status.value, details=details))
    await effects.after_step(uow=uow, ticket=ticket, step=step, actor=actor, now=now)
    uow.add_event(f"ticket.{step.action.value}",
                  _event_payload(ticket, action=step.action.value, from_status=step.from_status.value,
                                 actor_kind=actor.kind, actor_id=actor.id, **{**details, **(event or {})}),
                  ticket_id=ticket.id)
    return ticket


async def add_comment(*, uow: UnitOfWork, ticket_id: int, actor: Actor, text: str, public: bool = True,
                      files: Sequence[FileRef] = (), now: datetime | None = None) -> Comment:
    """Adds a comment (and files) to an open ticket; a public one by staff counts as a reaction."""
    try:
        return await _add_comment(uow=uow, ticket_id=ticket_id, actor=actor, text=text, public=public, files=files,
                                  now=now)
    except WriteConflict as exc:
        raise await races.who_acted_first(uow, ticket_id, exc) from exc


async def _add_comment(*, uow: UnitOfWork, ticket_id: int, actor: Actor, text: str, public: bool,
                       files: Sequence[FileRef], now: datetime | None) -> Comment:
    async with uow:
        now = now or utcnow()
        ticket = await uow.session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} not found")
        if ticket.status in ("closed", "cancelled"):
            raise Conflict(f"ticket {ticket.number} is {ticket.status}", status=ticket.status)
        if actor.kind == "user" and (ticket.requester_id != actor.id or not public):
            raise Forbidden("only the requester may comment on this ticket")
        if actor.kind == "staff":
            # a comment by an unknown staff id would be shown to the requester as coming from nobody
            staff = await uow.session.get(Staff, actor.id) if actor.id is not None else None
            if staff is None or not staff.active:
                raise NotFound(f"staff member {actor.id} not found")
        if not text.strip() and not files:
            raise ValidationFailed("empty comment", fields={"text": "Комментарий: напишите текст или приложите файл"})
        comment = Comment(ticket_id=ticket.id, author_kind=actor.kind, author_id=actor.id, text=text.strip(),
                          public=public, created_at=now)
        uow.session.add(comment)
        await uow.session.flush()
        for ref in files:
            uow.session.add(_attachment(ticket.id, ref, now, comment.id))
        uow.session.add(TicketHistory(ticket_id=ticket.id, at=now, actor_kind=actor.kind, actor_id=actor.id,
                                      action="comment", from_status=ticket.status, to_status=ticket.status,
                                      details={"public": public, "comment_id": comment.id, "files": len(files)}))
        ticket.updated_at = now
        await effects.after_comment(uow=uow, ticket=ticket, actor=actor, public=public, now=now)
        uow.add_event("ticket.comment", _event_payload(ticket, comment_id=comment.id, public=public, text=comment.text,
                                                       actor_kind=actor.kind, actor_id=actor.id, files=len(files)),
                      ticket_id=ticket.id)
        await uow.commit()
        return comment


async def get(*, uow: UnitOfWork, ticket_id: int) -> tuple[Ticket, list[TicketHistory]]:
    """A ticket with its full history."""
    async with uow:
        ticket = await uow.session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} not found")
        hist = (await uow.session.scalars(
            select(TicketHistory).where(TicketHistory.ticket_id == ticket_id).order_by(TicketHistory.id))).all()
        return ticket, list(hist)


async def get_by_number(*, uow: UnitOfWork, number: str) -> Ticket:
    """A ticket by its human number."""
    async with uow:
        ticket_id = parse_number(number)
        ticket = await uow.session.get(Ticket, ticket_id) if ticket_id is not None else None
        if ticket is None:
            raise NotFound(f"ticket {number} not found")
        return ticket


async def comments(*, uow: UnitOfWork, ticket_id: int, public_only: bool = False) -> list[Comment]:
    """Comments of a ticket, oldest first."""
    async with uow:
        q = select(Comment).where(Comment.ticket_id == ticket_id).order_by(Comment.id)
        if public_only:
            q = q.where(Comment.public.is_(True))
        return list((await uow.session.scalars(q)).all())


__all__ = ["SYSTEM", "Action", "Actor", "FileRef", "Step", "TicketFilter", "add_comment", "apply_action",
           "check_contract", "comments", "get", "get_by_number", "register", "register_on_behalf", "search"]

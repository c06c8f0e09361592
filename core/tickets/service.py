"""Ticket use cases: each owns one transaction and writes history and an outbox event with the change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.catalog import people
from core.catalog.models import Staff
from core.db import utcnow
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.tickets import effects, permissions, races
from core.tickets.contract import check_contract
from core.tickets.lifecycle import SYSTEM, Action, Actor, Step, next_status
from core.tickets.models import Comment, Ticket, TicketHistory, parse_number
from core.tickets.queries import TicketFilter, search
from core.tickets.registering import (
    PROFILE_KEYS,
    FileRef,
    active_service,
    attachment,
    event_payload,
    organisation_id,
    register_in,
    requester_and_service,
    service_by_code,
)
from core.uow import UnitOfWork, WriteConflict

# defined in lifecycle (below the SLA clock too) and registering, kept importable from here
__all__ = ["PROFILE_KEYS", "SYSTEM", "Actor", "FileRef"]


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
            row = (await uow.session.execute(requester_and_service(),
                                             {"uid": requester_id, "code": service_code})).first()
            if row is None:
                await service_by_code(uow, service_code)
                raise NotFound(f"unknown user {requester_id}")
            user, service = row
            ticket = await register_in(uow, service=active_service(service, service_code), request_type=request_type,
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
        profile["organisation_id"] = await organisation_id(uow, requester)
        user = await people.for_call_in(uow, **profile)
        if profile["organisation_id"] is not None:
            await uow.session.refresh(user, ["organisation"])
        actor = Actor("staff", staff_id) if staff_id is not None else Actor("user", user.id)
        ticket = await register_in(uow, service=await service_by_code(uow, service_code), request_type=request_type,
                                    priority=priority, user=user, fields=fields, channel=channel, attachments=(),
                                    actor=actor, tz=tz, now=now or utcnow())
        await uow.commit()
        return ticket


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
    await permissions.authorize(uow=uow, ticket=ticket, step=step, actor=actor, params=params)
    details = await effects.apply(uow=uow, ticket=ticket, step=step, actor=actor, params=params, now=now)
    step = effects.settled_step(ticket, step, details)
    if files:
        # the answer and its screenshot are one event: staff get one notice, and a crash keeps both or neither
        for ref in files:
            uow.session.add(attachment(ticket.id, ref, now, details["comment_id"]))
        details["files"] = len(files)
    ticket.status = step.to_status.value
    ticket.updated_at = now
    uow.session.add(TicketHistory(ticket_id=ticket.id, at=now, actor_kind=actor.kind, actor_id=actor.id,
                                  action=step.action.value, from_status=step.from_status.value,
                                  to_status=step.to_status.value, details=details))
    await effects.after_step(uow=uow, ticket=ticket, step=step, actor=actor, now=now)
    uow.add_event(f"ticket.{step.action.value}",
                  event_payload(ticket, action=step.action.value, from_status=step.from_status.value,
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
            uow.session.add(attachment(ticket.id, ref, now, comment.id))
        uow.session.add(TicketHistory(ticket_id=ticket.id, at=now, actor_kind=actor.kind, actor_id=actor.id,
                                      action="comment", from_status=ticket.status, to_status=ticket.status,
                                      details={"public": public, "comment_id": comment.id, "files": len(files)}))
        ticket.updated_at = now
        await effects.after_comment(uow=uow, ticket=ticket, actor=actor, public=public, now=now)
        uow.add_event("ticket.comment", event_payload(ticket, comment_id=comment.id, public=public, text=comment.text,
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

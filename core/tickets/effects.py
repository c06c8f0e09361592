"""What each lifecycle action checks and changes besides the status."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.catalog.models import Service, Staff
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.sla import clock
from core.tickets.lifecycle import ESCALATIONS, SYSTEM_ACTIONS, USER_ACTIONS, Action, Actor, Step
from core.tickets.models import Comment, Ticket

if TYPE_CHECKING:
    from core.uow import UnitOfWork

NEEDS_TEXT = {
    Action.return_to_coordinator: "reason",
    Action.return_to_line1: "reason",
    Action.request_info: "text",
    Action.user_answers: "text",
    Action.give_workaround: "text",
    Action.reject: "text",
}
TEXT_HINTS = {
    "reason": "Причина: укажите, почему обращение возвращается",
    "text": "Текст: напишите сообщение",
}


def make_title(fields: dict[str, Any], request_type: str) -> str:
    """A one-line title from the most telling field."""
    for key in ("actual", "description", "question", "statement", "role", "result"):
        if fields.get(key):
            text = " ".join(str(fields[key]).split())
            return text[:117] + "…" if len(text) > 120 else text
    return request_type


async def _staff(uow: UnitOfWork, staff_id: int | None) -> Staff:
    staff = await uow.session.get(Staff, staff_id) if staff_id else None
    if staff is None or not staff.active:
        raise NotFound(f"staff member {staff_id} not found")
    return staff


# actions on a ticket someone works on: only whoever is responsible for it
WORK_ACTIONS = frozenset({Action.return_to_line1, Action.escalate, Action.request_info, Action.diagnosis_done,
                          Action.give_workaround, Action.resolve, Action.close, Action.change_priority,
                          Action.cancel})
# line 1 runs the desk: it may also close, cancel or re-prioritise any ticket
DESK_ACTIONS = frozenset({Action.close, Action.change_priority, Action.cancel})


def _responsible(staff: Staff, ticket: Ticket) -> bool:
    """The assignee, a service manager, the line's coordinator, or any member of the line while unassigned."""
    if staff.is_service_manager or ticket.assignee_id == staff.id:
        return True
    return staff.line_code == ticket.line and (staff.is_coordinator or ticket.assignee_id is None)


async def authorize(*, uow: UnitOfWork, ticket: Ticket, step: Step, actor: Actor, params: dict[str, Any]) -> None:
    """Checks that this actor may perform this action on this ticket."""
    act = step.action
    if actor.kind == "user":
        if act not in USER_ACTIONS or ticket.requester_id != actor.id:
            raise Forbidden(f"a requester cannot '{act.value}' this ticket")
        return
    if actor.kind == "system":
        if act not in SYSTEM_ACTIONS:
            raise Forbidden(f"the system cannot '{act.value}'")
        return
    staff = await _staff(uow, actor.id)
    if act in (Action.user_answers, Action.confirm, Action.reject):
        raise Forbidden(f"only the requester can '{act.value}'")
    manager = staff.is_service_manager
    if act is Action.take and staff.line_code != ticket.line and not manager:
        raise Forbidden(f"the ticket is in the queue of {ticket.line}, not of {staff.line_code}")
    if act is Action.assign:
        if not (manager or (staff.is_coordinator and staff.line_code == ticket.line)):
            raise Forbidden("only the line's coordinator or a service manager assigns tickets")
        target = await _staff(uow, params.get("assignee_id"))
        if target.line_code != ticket.line:
            raise ValidationFailed("assignee is not in the ticket's line",
                                   fields={"assignee_id": f"Исполнитель: сотрудник группы {ticket.line}"})
    if act is Action.return_to_coordinator and ticket.assignee_id != staff.id and not staff.is_coordinator:
        raise Forbidden("only the assignee returns a ticket to the coordinator")
    if act in WORK_ACTIONS and not _responsible(staff, ticket) and not (
            act in DESK_ACTIONS and staff.line_code == "line1"):
        raise Forbidden(f"only the assignee, the coordinator of {ticket.line} or a service manager can "
                        f"'{act.value}' this ticket")
    if act is Action.return_to_line1 and ticket.line == "line1":
        raise Conflict("the ticket is already on line 1", line=ticket.line)
    if act is Action.escalate:
        to_line = params.get("to_line")
        if to_line not in ESCALATIONS.get(ticket.line, frozenset()):
            allowed = ", ".join(sorted(ESCALATIONS.get(ticket.line, ()))) or "—"
            raise ValidationFailed(f"cannot escalate from {ticket.line} to {to_line}",
                                   fields={"to_line": f"Линия: одна из {allowed}"})


async def apply(*, uow: UnitOfWork, ticket: Ticket, step: Step, actor: Actor, params: dict[str, Any],
                now: datetime) -> dict[str, Any]:
    """Applies the side effects of a step; returns the details kept in history and the event."""
    act = step.action
    need = NEEDS_TEXT.get(act)
    text = str(params.get(need) or params.get("text") or "").strip() if need else str(params.get("text") or "").strip()
    if need and not text:
        raise ValidationFailed(f"'{need}' is required for '{act.value}'", fields={need: TEXT_HINTS[need]})
    details: dict[str, Any] = {"text": text} if text else {}
    if act is Action.take:
        ticket.assignee_id = actor.id
    elif act is Action.assign:
        ticket.assignee_id = int(params["assignee_id"])
        details["assignee_id"] = ticket.assignee_id
    elif act in (Action.return_to_coordinator, Action.escalate, Action.return_to_line1):
        details["from_line"] = ticket.line
        if act is Action.escalate:
            ticket.line = str(params["to_line"])
        elif act is Action.return_to_line1:
            ticket.line = "line1"
        details["to_line"] = ticket.line
        ticket.assignee_id = None
    elif act is Action.request_info:
        ticket.pending_question = text
        uow.session.add(Comment(ticket_id=ticket.id, author_kind=actor.kind, author_id=actor.id, text=text,
                                public=True, created_at=now))
    elif act is Action.user_answers:
        details["question"] = ticket.pending_question
        ticket.pending_question = None
        uow.session.add(Comment(ticket_id=ticket.id, author_kind="user", author_id=actor.id, text=text,
                                public=True, created_at=now))
    elif act is Action.give_workaround:
        ticket.workaround = text
    elif act is Action.resolve:
        solution = text or (ticket.workaround or "")
        if not solution:
            raise ValidationFailed("solution is required", fields={"text": "Решение: опишите, что было сделано"})
        ticket.solution = solution
        ticket.resolved_at = now
        details["text"] = solution
    elif act is Action.reject:
        ticket.resolved_at = None
        uow.session.add(Comment(ticket_id=ticket.id, author_kind="user", author_id=actor.id,
                                text=text, public=True, created_at=now))
    elif act is Action.confirm:
        ticket.closing_code = "confirmed"
        ticket.closed_at = now
    elif act is Action.cancel:
        ticket.closing_code = "cancelled"
        ticket.closed_at = now
    elif act is Action.close:
        _close(ticket, actor=actor, params=params, now=now, details=details)
    elif act is Action.change_priority:
        prio = params.get("priority")
        if prio not in (1, 2, 3, 4):
            raise ValidationFailed("priority must be 1..4", fields={"priority": "Приоритет: число от 1 до 4"})
        details["old_priority"], ticket.priority = ticket.priority, int(prio)
        details["new_priority"] = ticket.priority
    return details


def _close(ticket: Ticket, *, actor: Actor, params: dict[str, Any], now: datetime, details: dict[str, Any]) -> None:
    code = str(params.get("closing_code") or "").strip()
    solution = str(params.get("solution") or params.get("text") or ticket.solution or "").strip()
    item = str(params.get("config_item") or "").strip() or ticket.config_item
    problems = {}
    if not code:
        problems["closing_code"] = "Код закрытия: например resolved, not_reproducible, rejected, duplicate"
    if not solution:
        problems["solution"] = "Решение: что было сделано, или причина, по которой обращение не выполнено"
    if actor.kind == "staff" and not item:
        problems["config_item"] = "Конфигурационная единица: класс проблемы, например «Интеграция / NTTM»"
    if problems:
        raise ValidationFailed("closing needs a code, a solution and a configuration item", fields=problems)
    ticket.closing_code, ticket.solution, ticket.config_item, ticket.closed_at = code, solution, item, now
    details.update(closing_code=code, solution=solution, config_item=item)


async def after_register(*, uow: UnitOfWork, ticket: Ticket, service: Service, now: datetime) -> None:
    """Hook after registration (the SLA clock starts here)."""
    await clock.start(uow=uow, ticket=ticket, service=service, now=now)


async def after_step(*, uow: UnitOfWork, ticket: Ticket, step: Step, actor: Actor, now: datetime) -> None:
    """Hook after a lifecycle step (SLA targets met, clock paused or resumed)."""
    await clock.on_step(uow=uow, ticket=ticket, step=step, actor=actor, now=now)


async def after_comment(*, uow: UnitOfWork, ticket: Ticket, actor: Actor, public: bool, now: datetime) -> None:
    """Hook after a comment (a public staff reply meets the reaction target)."""
    await clock.on_comment(uow=uow, ticket=ticket, actor=actor, public=public, now=now)

"""Who may take which lifecycle action on a ticket: the requester, the system, or a staff member responsible
for it (the assignee, the line's coordinator, a service manager, line 1 for the desk's actions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.catalog.models import LineGroup, Service, Staff
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.tickets import reclassify, routing
from core.tickets.lifecycle import ESCALATIONS, SYSTEM_ACTIONS, USER_ACTIONS, Action, Actor, Step
from core.tickets.models import Ticket

if TYPE_CHECKING:
    from core.uow import UnitOfWork


async def active_staff(uow: UnitOfWork, staff_id: int | None) -> Staff:
    """The active staff member with this id; NotFound otherwise."""
    staff = await uow.session.get(Staff, staff_id) if staff_id else None
    if staff is None or not staff.active:
        raise NotFound(f"staff member {staff_id} not found")
    return staff


# actions on a ticket someone works on: only whoever is responsible for it
WORK_ACTIONS = frozenset({Action.return_to_line1, Action.escalate, Action.request_info, Action.diagnosis_done,
                          Action.give_workaround, Action.resolve, Action.close, Action.change_priority,
                          Action.cancel, Action.open_op4, Action.set_internal_incident, Action.link_external,
                          Action.link_release, Action.unlink_release})
OP3, OP4 = 2, 1  # assistance levels are kept in the priority: ОП1 → 4 … ОП4 → 1
# line 1 runs the desk: it may also close, cancel or re-prioritise any ticket
DESK_ACTIONS = frozenset({Action.close, Action.change_priority, Action.cancel})


def _responsible(staff: Staff, ticket: Ticket) -> bool:
    """The assignee, a service manager, the line's coordinator, or any member of the line while unassigned."""
    if staff.is_service_manager or ticket.assignee_id == staff.id:
        return True
    return staff.line_code == ticket.line and (staff.is_coordinator or ticket.assignee_id is None)


async def _group(uow: UnitOfWork, code: str) -> LineGroup:
    group = await uow.session.get(LineGroup, code)
    if group is None:
        raise NotFound(f"group '{code}' not found")
    return group


async def authorize(*, uow: UnitOfWork, ticket: Ticket, step: Step, actor: Actor, params: dict[str, Any]) -> None:
    """Checks that this actor may perform this action on this ticket."""
    act = step.action
    service = await uow.session.get(Service, ticket.service_id)
    assert service is not None  # a foreign key
    if act is Action.close and actor.kind != "user" and service.confirmation_only:
        raise Conflict(f"«{service.name}» closes a ticket only when the requester confirms the solution",
                       service=service.code)
    if actor.kind == "user":
        if act not in USER_ACTIONS or ticket.requester_id != actor.id:
            raise Forbidden(f"a requester cannot '{act.value}' this ticket")
        return
    if actor.kind == "system":
        if act not in SYSTEM_ACTIONS:
            raise Forbidden(f"the system cannot '{act.value}'")
        return
    staff = await active_staff(uow, actor.id)
    if ticket.approval == "pending":
        raise Conflict(f"{ticket.number} is an access request awaiting the МРФ curator's approval",
                       approval="pending")
    if act in (Action.user_answers, Action.confirm, Action.reject):
        raise Forbidden(f"only the requester can '{act.value}'")
    if staff.group.service_code not in (None, service.code):
        raise Forbidden(f"{staff.group.name} belongs to another service and cannot act on «{service.name}» tickets")
    if act is Action.reclassify:
        reclassify.authorize(staff=staff)
        return
    _check_levels(service, ticket, act, params)
    group = await _group(uow, ticket.line)
    manager = staff.is_service_manager
    if act is Action.take and staff.line_code != ticket.line and not manager:
        raise Forbidden(f"the ticket is in the queue of {ticket.line}, not of {staff.line_code}")
    if act is Action.assign:
        if not (manager or (staff.is_coordinator and staff.line_code == ticket.line)):
            raise Forbidden("only the line's coordinator or a service manager assigns tickets")
        target = await active_staff(uow, params.get("assignee_id"))
        if target.line_code != ticket.line:
            raise ValidationFailed("assignee is not in the ticket's line",
                                   fields={"assignee_id": f"Исполнитель: сотрудник группы {ticket.line}"})
    if act is Action.return_to_coordinator and ticket.assignee_id != staff.id and not staff.is_coordinator:
        raise Forbidden("only the assignee returns a ticket to the coordinator")
    if act in WORK_ACTIONS and not _responsible(staff, ticket) and not (
            act in DESK_ACTIONS and staff.group.level == "line1"):
        raise Forbidden(f"only the assignee, the coordinator of {ticket.line} or a service manager can "
                        f"'{act.value}' this ticket")
    if act is Action.return_to_line1 and group.level == "line1":
        raise Conflict("the ticket is already on line 1", line=ticket.line)
    if act is Action.escalate:
        to_line = str(params.get("to_line") or "")
        allowed = ESCALATIONS.get(group.level, frozenset())
        dest = await routing.target_group(uow.session, service_code=service.code, to=to_line)
        if dest is None or dest.level not in allowed:
            raise ValidationFailed(f"cannot escalate from {ticket.line} to {to_line or None}",
                                   fields={"to_line": f"Линия: одна из {', '.join(sorted(allowed)) or '—'}"})
        params["to_group"], params["to_level"] = dest.code, dest.level


def _check_levels(service: Service, ticket: Ticket, act: Action, params: dict[str, Any]) -> None:
    """ТЕКОН: ОП4 only from an open ОП3 by its own action; the level is not re-chosen to ОП4 otherwise."""
    levels = bool(service.type_priority)
    if act is Action.open_op4 and (not levels or ticket.priority != OP3):
        raise Conflict("ОП4 is opened only from an open ОП3 request of a service with assistance levels",
                       priority=ticket.priority)
    # 002 §4 ОП3: «установка в открытом запросе ... ссылки (номера) инцидента соответствующего данной проблеме»;
    # §5 ОП4: the number of the incident ТП2 opens
    if act is Action.set_internal_incident and (not levels or ticket.priority not in (OP3, OP4)):
        raise Conflict("the internal incident number belongs to an ОП3 or ОП4 request", priority=ticket.priority)
    if act is Action.change_priority and levels and OP4 in (params.get("priority"), ticket.priority):
        raise Conflict("ОП4 is opened from an open ОП3 request with 'open_op4', not by changing the level",
                       priority=ticket.priority)

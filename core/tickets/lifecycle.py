"""The ticket lifecycle as an explicit transition table (pure: no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from core.errors import IllegalTransition


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts on a ticket: here, below both the ticket use cases and the SLA clock, which both need it."""

    kind: Literal["user", "staff", "system"]
    id: int | None = None


SYSTEM = Actor("system")


class Status(StrEnum):
    assigned = "assigned"  # Назначено: in the queue of the responsible line's group
    in_progress = "in_progress"  # В работе
    waiting_user = "waiting_user"  # В ожидании пользователя: SLA clock stopped
    resolved = "resolved"  # Решено: waits for the user's confirmation
    closed = "closed"  # Закрыто
    cancelled = "cancelled"  # Отменено пользователем


class Action(StrEnum):
    take = "take"
    assign = "assign"
    return_to_coordinator = "return_to_coordinator"
    return_to_line1 = "return_to_line1"
    escalate = "escalate"
    request_info = "request_info"
    user_answers = "user_answers"
    diagnosis_done = "diagnosis_done"
    give_workaround = "give_workaround"
    resolve = "resolve"
    confirm = "confirm"
    reject = "reject"
    cancel = "cancel"
    close = "close"
    change_priority = "change_priority"
    open_op4 = "open_op4"  # ТЕКОН: an open ОП3 request becomes ОП4 (002 §4–§5)
    set_internal_incident = "set_internal_incident"  # ТЕКОН ОП4: ТП2's internal incident number
    reclassify = "reclassify"  # line 1 corrects a misfiled ticket: service and type; routing and SLA follow
    link_external = "link_external"  # 003: the linked request opened with an adjacent system's support
    link_release = "link_release"  # 003: the fix ships in an announced release; its installation resolves it
    unlink_release = "unlink_release"  # the release was cancelled (or staff took the ticket off it)


OPEN = frozenset({Status.assigned, Status.in_progress, Status.waiting_user})
FINAL = frozenset({Status.closed, Status.cancelled})
WORKING = frozenset({Status.in_progress})

# action -> {from status: to status}. None as the target keeps the status.
TRANSITIONS: dict[Action, dict[Status, Status | None]] = {
    Action.take: {Status.assigned: Status.in_progress},
    Action.assign: {Status.assigned: Status.in_progress, Status.in_progress: Status.in_progress},
    Action.return_to_coordinator: {Status.in_progress: Status.assigned},
    Action.return_to_line1: {Status.assigned: Status.assigned, Status.in_progress: Status.assigned},
    Action.escalate: {Status.assigned: Status.assigned, Status.in_progress: Status.assigned},
    Action.request_info: {Status.in_progress: Status.waiting_user},
    Action.user_answers: {Status.waiting_user: Status.in_progress},
    Action.diagnosis_done: {Status.in_progress: None},
    Action.give_workaround: {Status.in_progress: None},
    Action.resolve: {Status.in_progress: Status.resolved},
    Action.confirm: {Status.resolved: Status.closed},
    Action.reject: {Status.resolved: Status.in_progress},
    Action.cancel: {s: Status.cancelled for s in OPEN},
    Action.close: {**{s: Status.closed for s in OPEN}, Status.resolved: Status.closed},
    Action.change_priority: {s: None for s in (*OPEN, Status.resolved)},
    Action.open_op4: {Status.assigned: None, Status.in_progress: None},
    Action.set_internal_incident: {s: None for s in (*OPEN, Status.resolved)},
    Action.reclassify: {Status.assigned: Status.assigned, Status.in_progress: Status.assigned},
    Action.link_external: {s: None for s in (*OPEN, Status.resolved)},
    Action.link_release: {Status.in_progress: None},
    Action.unlink_release: {s: None for s in OPEN},
}

# who may perform an action: the requester ("user"), staff, or the system (timers, line 1 via API)
USER_ACTIONS = frozenset({Action.user_answers, Action.confirm, Action.reject, Action.cancel})
STAFF_ACTIONS = frozenset(TRANSITIONS) - {Action.user_answers, Action.confirm, Action.reject}
SYSTEM_ACTIONS = frozenset({Action.close, Action.unlink_release})

# escalation targets: from which line level to which
ESCALATIONS: dict[str, frozenset[str]] = {
    "line1": frozenset({"line2"}),
    "line2": frozenset({"line3", "dev"}),
    "line3": frozenset({"dev"}),
    "dev": frozenset(),
}


@dataclass(frozen=True, slots=True)
class Step:
    action: Action
    from_status: Status
    to_status: Status


def next_status(*, status: str, action: str) -> Step:
    """The status an action leads to; IllegalTransition if the status does not allow it."""
    try:
        act = Action(action)
        cur = Status(status)
    except ValueError as exc:
        raise IllegalTransition(status=status, action=action) from exc
    table = TRANSITIONS[act]
    if cur not in table:
        raise IllegalTransition(status=cur.value, action=act.value)
    target = table[cur]
    return Step(act, cur, cur if target is None else target)


def allowed_actions(*, status: str) -> list[Action]:
    """Actions the status allows, in table order (for buttons)."""
    return [a for a, table in TRANSITIONS.items() if Status(status) in table]

"""What each lifecycle action checks and changes besides the status."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.catalog.models import Service
from core.errors import ValidationFailed
from core.sla import clock
from core.staffdesk import cards
from core.tickets import closing, reclassify, releases, routing
from core.tickets.lifecycle import SYSTEM, Action, Actor, Status, Step
from core.tickets.models import Comment, Ticket
from core.tickets.permissions import OP4, active_staff

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


# ТЕКОН ОП4 (002 §5): the minimal additional diagnostic data line 1 gets from the user
OP4_DIAGNOSTICS = {"system_info": "Информация о системе", "log_files": "Лог-файлы",
                   "screenshot": "Скриншот с экрана, иллюстрирующий нештатную работу системы"}


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
            if params.get("to_level") == "line3":
                _line3_task(ticket, params=params, text=text, details=details)
            ticket.line = str(params["to_group"])
        elif act is Action.return_to_line1:
            ticket.line = await _line1(uow, ticket)
        details["to_line"] = ticket.line
        ticket.assignee_id = None
    elif act is Action.request_info:
        ticket.pending_question = text
        uow.session.add(Comment(ticket_id=ticket.id, author_kind=actor.kind, author_id=actor.id, text=text,
                                public=True, created_at=now))
    elif act is Action.user_answers:
        details["question"] = ticket.pending_question
        ticket.pending_question = None
        answer = Comment(ticket_id=ticket.id, author_kind="user", author_id=actor.id, text=text, public=True,
                         created_at=now)
        uow.session.add(answer)
        await uow.session.flush()
        details["comment_id"] = answer.id
    elif act is Action.give_workaround:
        ticket.workaround = text
    elif act is Action.resolve:
        # the closing fields come with the resolution (003 «Решение обращения»): a confirmation closes with them
        done = await closing.closing_fields(uow.session, ticket=ticket, params=params,
                                            solution=text or params.get("solution") or ticket.workaround)
        ticket.closing_code, ticket.solution, ticket.config_item = (
            done["closing_code"], done["solution"], done["config_item"])
        ticket.resolved_at = now
        details.update(done, text=done["solution"])
        service = await uow.session.get(Service, ticket.service_id)
        # the requester is told whether an unanswered resolution closes itself
        details["autoclose"] = bool(service and service.autoclose and not service.confirmation_only)
    elif act is Action.open_op4:
        _open_op4(ticket, params=params, details=details)
    elif act is Action.set_internal_incident:
        number = str(params.get("internal_incident") or "").strip()
        if not number:
            raise ValidationFailed("internal_incident is required",
                                   fields={"internal_incident": "Номер инцидента во внутренней базе данных ТП2"})
        ticket.internal_incident = details["internal_incident"] = number
    elif act is Action.link_external:
        _link_external(ticket, params=params, details=details)
    elif act is Action.link_release:
        await releases.link(uow.session, ticket, params=params, details=details)
    elif act is Action.unlink_release:
        releases.unlink(ticket, params=params, details=details)
    elif act is Action.reject:
        ticket.resolved_at = None
        ticket.closing_code = ticket.config_item = None  # the next resolution brings its own
        ticket.release_id = None  # an installed release that did not help: the ticket waits for it no more
        uow.session.add(Comment(ticket_id=ticket.id, author_kind="user", author_id=actor.id,
                                text=text, public=True, created_at=now))
    elif act is Action.confirm:
        # closed with what the resolution gave; a ticket resolved before the closing fields were required keeps
        # the old marker
        ticket.closing_code = ticket.closing_code or "confirmed"
        ticket.closed_at = now
        details.update(closing_code=ticket.closing_code, solution=ticket.solution, config_item=ticket.config_item)
    elif act is Action.cancel:
        ticket.closing_code = "cancelled"
        ticket.closed_at = now
    elif act is Action.close:
        done = await closing.closing_fields(uow.session, ticket=ticket, params=params,
                                            solution=params.get("solution") or params.get("text") or ticket.solution)
        ticket.closing_code, ticket.solution, ticket.config_item = (
            done["closing_code"], done["solution"], done["config_item"])
        ticket.closed_at = now
        details.update(done)
    elif act is Action.reclassify:
        details.update(await reclassify.apply(uow=uow, ticket=ticket, staff=await active_staff(uow, actor.id),
                                              params=params, now=now))
    elif act is Action.change_priority:
        prio = params.get("priority")
        if prio not in (1, 2, 3, 4):
            raise ValidationFailed("priority must be 1..4", fields={"priority": "Приоритет: число от 1 до 4"})
        details["old_priority"], ticket.priority = ticket.priority, int(prio)
        details["new_priority"] = ticket.priority
    return details


async def _line1(uow: UnitOfWork, ticket: Ticket) -> str:
    service = await uow.session.get(Service, ticket.service_id)
    group = await routing.group_at(uow.session, service_code=service.code if service else "", level="line1")
    return group.code if group is not None else "line1"


def _open_op4(ticket: Ticket, *, params: dict[str, Any], details: dict[str, Any]) -> None:
    raw = params.get("diagnostics") or {}
    diag = {k: str(raw.get(k) or "").strip() for k in OP4_DIAGNOSTICS} if isinstance(raw, dict) else {}
    problems = {f"diagnostics.{k}": f"{label}: обязательно для ОП4" for k, label in OP4_DIAGNOSTICS.items()
                if not diag.get(k)}
    if problems:
        raise ValidationFailed("ОП4 needs the additional diagnostic data", fields=problems)
    ticket.fields = {**(ticket.fields or {}), "diagnostics": diag}
    details.update(old_priority=ticket.priority, new_priority=OP4, diagnostics=diag)
    ticket.priority = OP4


# 003 «Исследование и диагностика»: a task for 3ЛТП describes the defect and what the fix must do
LINE3_TASK = {"defect": "Описание дефекта: что не работает, как воспроизвести",
              "fix_requirements": "Требования к исправлению: что должно работать после исправления"}


def _line3_task(ticket: Ticket, *, params: dict[str, Any], text: str, details: dict[str, Any]) -> None:
    task = {"defect": str(params.get("defect") or text or "").strip(),
            "fix_requirements": str(params.get("fix_requirements") or "").strip()}
    problems = {k: hint for k, hint in LINE3_TASK.items() if not task[k]}
    if problems:
        raise ValidationFailed("escalation to line 3 needs the defect and the fix requirements", fields=problems)
    ticket.fields = {**(ticket.fields or {}), **task}
    details.update(task)


def settled_step(ticket: Ticket, step: Step, details: dict[str, Any]) -> Step:
    """The step's real target: a reclassification that asked the requester for missing details waits for them;
    their answer puts a ticket nobody holds back into its group's queue."""
    if step.action is Action.reclassify and details.get("question"):
        return Step(step.action, step.from_status, Status.waiting_user)
    if step.action is Action.user_answers and ticket.assignee_id is None:
        return Step(step.action, step.from_status, Status.assigned)
    return step


async def after_register(*, uow: UnitOfWork, ticket: Ticket, service: Service, now: datetime) -> None:
    """Hook after registration (the SLA clock starts here; the card is to be posted)."""
    await clock.start(uow=uow, ticket=ticket, service=service, now=now)
    if ticket.approval == "pending":  # an access request waiting for its МРФ curator: no card, clock stopped
        await clock.on_step(uow=uow, ticket=ticket, step=Step(Action.request_info, Status.assigned, Status.assigned),
                            actor=SYSTEM, now=now)
        return
    await cards.mark_dirty(uow.session, ticket_id=ticket.id, now=now)


async def after_step(*, uow: UnitOfWork, ticket: Ticket, step: Step, actor: Actor, now: datetime) -> None:
    """Hook after a lifecycle step (SLA targets met, clock paused or resumed; the card shows it)."""
    await clock.on_step(uow=uow, ticket=ticket, step=step, actor=actor, now=now)
    await cards.mark_dirty(uow.session, ticket_id=ticket.id, now=now)


async def after_comment(*, uow: UnitOfWork, ticket: Ticket, actor: Actor, public: bool, now: datetime) -> None:
    """Hook after a comment (a public staff reply meets the reaction target; the card shows it)."""
    await clock.on_comment(uow=uow, ticket=ticket, actor=actor, public=public, now=now)
    await cards.mark_dirty(uow.session, ticket_id=ticket.id, now=now)


def _link_external(ticket: Ticket, *, params: dict[str, Any], details: dict[str, Any]) -> None:
    """003 «Поддержка интеграционных интерфейсов»: «В случае если проблема определена на стороне смежной системы,
    в рамках инцидента … создается связанная заявка на соответствующую услугу на ТП смежной системы»: its system
    and number are added to the ticket's «Номера обращений во внешних системах»."""
    system = " ".join(str(params.get("external_system") or "").split())
    number = " ".join(str(params.get("external_number") or "").split())
    problems = {k: v for k, v, given in (("external_system", "Смежная система, в ТП которой создана заявка", system),
                                         ("external_number", "Номер связанной заявки", number)) if not given}
    if problems:
        raise ValidationFailed("the linked request needs its system and number", fields=problems)
    line = f"{system}: {number}"
    known = str((ticket.fields or {}).get("external_refs") or "").strip()
    ticket.fields = {**(ticket.fields or {}), "external_refs": f"{known}\n{line}" if known else line}
    details["linked_request"] = line

"""Ticket request/response models of the admin API and the ORM → DTO mappers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from admin_api.fields import Id, Priority, SafeJson, SafeStr
from admin_api.schemas import In, Out
from core.catalog.intake import RequestType
from core.catalog.models import User
from core.tickets.lifecycle import Action, allowed_actions
from core.tickets.models import Comment, Ticket, TicketHistory
from core.tickets.service import Actor

INCIDENT_EXAMPLE = {"steps": "Открыл карточку клиента, нажал «Сохранить»", "expected": "Карточка сохраняется",
                    "actual": "Ошибка 500", "occurred_at": "сегодня в 10:00", "affected_users": "one",
                    "examples": "ЛС 123456789"}


class RequesterIn(In):
    full_name: SafeStr = Field(min_length=1, max_length=300, examples=["Иванов Иван Иванович"])
    login: SafeStr | None = Field(default=None, max_length=200, examples=["i.ivanov"])
    email: SafeStr | None = Field(default=None, max_length=300, examples=["i.ivanov@example.ru"])
    region: SafeStr | None = Field(default=None, max_length=100, examples=["Центр"])
    organisation: SafeStr | None = Field(default=None, max_length=300, examples=["ООО «Теплосеть»"],
                                     description="the company the caller named; a contract-bound service "
                                                 "(ТЕКОН) checks its support period")
    organisation_id: Id | None = Field(default=None, description="the same, by id")

    @model_validator(mode="after")
    def _findable(self) -> RequesterIn:
        # the requester is found again by login or e-mail: without either, every call would create a new person
        if not (self.login or self.email):
            raise ValueError("login or email is required to identify the requester")
        return self


class TicketCreate(In):
    service: SafeStr = Field(examples=["nttm"])
    type: RequestType = Field(examples=["incident"])
    priority: Priority | None = Field(default=None, examples=[3],
                                 description="required, except where the type fixes it (ТЕКОН assistance levels)")
    requester: RequesterIn
    fields: SafeJson = Field(default_factory=dict, description="intake fields of the request type",
                             examples=[INCIDENT_EXAMPLE])
    channel: Literal["phone", "email"] = "phone"
    staff_id: Id | None = Field(default=None, description="line-1 staff member who registers it")


class ActorIn(In):
    staff_id: Id | None = None
    user_id: Id | None = None

    @model_validator(mode="after")
    def _one_actor(self) -> ActorIn:
        if (self.staff_id is None) == (self.user_id is None):
            raise ValueError("give exactly one of staff_id (a staff member) or user_id (the requester)")
        return self

    def actor(self) -> Actor:
        return Actor("staff", self.staff_id) if self.staff_id is not None else Actor("user", self.user_id)


ACTION_FIELDS = {
    "take": "staff_id", "assign": "staff_id (the coordinator), assignee_id",
    "return_to_coordinator": "staff_id, reason", "return_to_line1": "staff_id, reason",
    "escalate": "staff_id, to_line (line2, line3, dev); to line 3 also defect and fix_requirements",
    "request_info": "staff_id, text (the question to the user; the SLA clock stops)",
    "user_answers": "user_id, text", "diagnosis_done": "staff_id, text (optional)",
    "give_workaround": "staff_id, text", "resolve": "staff_id, closing_code, config_item, solution",
    "confirm": "user_id (the requester)", "reject": "user_id, text (why the solution did not help)",
    "cancel": "user_id (the requester) or staff_id", "close": "staff_id",
    "change_priority": "staff_id, priority (1..4)", "open_op4": "staff_id, diagnostics (ТЕКОН ОП3 only)",
    "set_internal_incident": "staff_id, internal_incident (ТЕКОН ОП3: the known incident found, ОП4: ТП2's)",
    "reclassify": "staff_id (line 1 or a service manager), service and/or type and/or to_line, reason",
    "link_external": "staff_id, external_system, external_number (003: the linked request opened with the support "
                     "of an adjacent system)",
    "link_release": "staff_id, release_id (an open release of the ticket's service: GET /api/v1/planned-works), "
                    "config_item (the class of the problem); the ticket is resolved when the release is installed "
                    "(003 «Решение обращения»)",
    "unlink_release": "staff_id; text (optional): the ticket no longer waits for its release",
}


ACTION_HELP = ("One lifecycle step. What each action needs besides `action`:\n"
               + "\n".join(f"- `{a}`: {f}" for a, f in ACTION_FIELDS.items())
               + "\nA missing field is a 422 naming it; an action the ticket's status does not allow is a 409.")


class ActionIn(ActorIn):
    model_config = ConfigDict(json_schema_extra={"description": ACTION_HELP})

    action: Action = Field(examples=["take"])
    assignee_id: Id | None = None
    to_line: SafeStr | None = None
    reason: SafeStr | None = Field(default=None, max_length=4000)
    text: SafeStr | None = Field(default=None, max_length=4000)
    closing_code: SafeStr | None = Field(default=None, max_length=64)
    solution: SafeStr | None = Field(default=None, max_length=4000)
    config_item: SafeStr | None = Field(default=None, max_length=200)
    priority: Priority | None = None
    diagnostics: dict[SafeStr, SafeStr] | None = Field(
        default=None, examples=[{"system_info": "Windows Server 2019, ТЕКОН 5.2", "log_files": "server.log",
                                 "screenshot": "screen.png"}],
        description="open_op4: system_info, log_files, screenshot (ТЕКОН 002 §5)")
    internal_incident: SafeStr | None = Field(default=None, max_length=100,
                                          description="set_internal_incident: the internal incident's number")
    release_id: Id | None = Field(default=None, description="link_release: the release whose installation "
                                                            "resolves the ticket")
    external_system: SafeStr | None = Field(default=None, max_length=100,
                                            description="link_external: the adjacent system (its support)")
    external_number: SafeStr | None = Field(default=None, max_length=100,
                                            description="link_external: the linked request's number")
    service: SafeStr | None = Field(default=None, max_length=32, description="reclassify: the right service")
    type: RequestType | None = Field(default=None, description="reclassify: the right request type")
    defect: SafeStr | None = Field(default=None, max_length=4000,
                                   description="escalate to line 3: the defect (003 «Исследование и диагностика»)")
    fix_requirements: SafeStr | None = Field(default=None, max_length=4000,
                                             description="escalate to line 3: what the fix must do")

    def params(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude={"action", "staff_id", "user_id"})


class CommentIn(ActorIn):
    text: SafeStr = Field(min_length=1, max_length=4000)
    public: bool = True


class RequesterOut(Out):
    id: int
    full_name: str
    login: str | None
    email: str | None
    region: str | None
    organisation: str | None
    telegram: bool = Field(description="the person has a Telegram account: notices reach them in the bot")


class TicketOut(Out):
    id: int
    number: str | None
    type: str
    service: str | None
    service_id: int
    priority: int
    status: str
    line: str
    assignee_id: int | None
    requester_id: int
    requester: RequesterOut | None = Field(description="the requester's name and contacts")
    channel: str
    title: str
    fields: dict[str, Any]
    closing_code: str | None
    solution: str | None
    workaround: str | None
    config_item: str | None
    outage_id: int | None
    release_id: int | None = Field(default=None, description="the release whose installation resolves the ticket")
    pending_question: str | None
    internal_incident: str | None
    approval: str | None = Field(default=None, description="an access request and its МРФ curator: pending, "
                                                           "approved, rejected, no_curator (None: not needed)")
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    allowed_actions: list[str]


class HistoryOut(Out):
    at: datetime
    actor_kind: str
    actor_id: int | None
    action: str
    from_status: str | None
    to_status: str | None
    details: dict[str, Any]


class CommentOut(Out):
    id: int
    author_kind: str
    author_id: int | None
    text: str
    public: bool
    created_at: datetime


class TicketDetail(TicketOut):
    history: list[HistoryOut]
    comments: list[CommentOut]
    sla: dict[str, Any] | None = Field(default=None, description="SLA targets and clock")  # sla: filled by the SLA part


class TicketPage(Out):
    items: list[TicketOut]
    total: int
    page: int
    per_page: int


TICKET_ATTRS = ("id", "number", "type", "service_id", "priority", "status", "line", "assignee_id", "requester_id",
                "channel", "title", "fields", "closing_code", "solution", "workaround", "config_item", "outage_id",
                "release_id", "pending_question", "internal_incident", "approval", "created_at", "updated_at",
                "resolved_at", "closed_at")


def requester_out(u: User | None) -> RequesterOut | None:
    if u is None:
        return None
    return RequesterOut(id=u.id, full_name=u.full_name, login=u.login, email=u.email, region=u.region,
                        organisation=u.organisation.name if u.organisation else None, telegram=u.tg_id is not None)


def ticket_attrs(t: Ticket, service_codes: dict[int, str], people: dict[int, User]) -> dict[str, Any]:
    """The ticket as plain values; TicketOut/TicketDetail are built from it so extra keys are one-line edits."""
    return {**{k: getattr(t, k) for k in TICKET_ATTRS}, "service": service_codes.get(t.service_id),
            "requester": requester_out(people.get(t.requester_id)),
            "allowed_actions": [a.value for a in allowed_actions(status=t.status)]}


def ticket_out(t: Ticket, service_codes: dict[int, str], people: dict[int, User]) -> TicketOut:
    return TicketOut(**ticket_attrs(t, service_codes, people))


def history_out(h: TicketHistory) -> HistoryOut:
    return HistoryOut.model_validate(h)


def comment_out(c: Comment) -> CommentOut:
    return CommentOut.model_validate(c)

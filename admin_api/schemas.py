"""Catalog request/response models of the admin API and the ORM → DTO mappers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from admin_api.fields import CODE_PATTERN, Code, Int32, SafeStr, TgId
from core.catalog.models import Organisation, Service, Staff, SupportPeriod, User
from core.errors import ValidationFailed

CODE = CODE_PATTERN


class In(BaseModel):
    """Request bodies refuse unknown keys so a typo is a 422, not a silently ignored setting."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ServiceCreate(In):
    code: SafeStr = Field(pattern=CODE, examples=["nttm"])
    name: SafeStr = Field(min_length=1, max_length=200)
    description: SafeStr = Field(default="", max_length=2000)
    sla_policy: SafeStr = Field(default="nttm", max_length=32)
    calendar: SafeStr = Field(default="msk-business", max_length=32)
    requires_contract: bool = False
    intake: dict[SafeStr, list[SafeStr]] = Field(default_factory=dict,
                                         description="request type -> ordered intake field keys")
    request_types: list[SafeStr] = Field(default_factory=list, description="offered request types; empty: all")
    routing: dict[SafeStr, SafeStr] = Field(default_factory=dict, examples=[{"access_request": "crm-duty"}],
                                    description="request type -> code of the group that first gets it "
                                                "(a group of this service or a shared one); a type missing here "
                                                "goes to the service's group of the type's line level")
    type_priority: dict[SafeStr, Int32] = Field(default_factory=dict, examples=[{"consultation": 4}],
                                          description="request type -> the priority it always has "
                                                      "(ТЕКОН assistance levels: ОП1 → 4 … ОП4 → 1)")
    autoclose: bool = Field(default=False, description="an unconfirmed resolution closes itself after "
                                                       "AUTOCLOSE_WORKING_DAYS; off unless turned on")
    confirmation_only: bool = Field(default=False, description="only the requester's confirmation closes a "
                                                               "ticket (no staff close, no auto-close)")
    channels: list[SafeStr] = Field(default_factory=list, description="other ways to reach the desk, shown in /help")
    notice_subject: SafeStr | None = Field(default=None, max_length=300,
                                           description="subject of the information notices by e-mail; null: "
                                                       "«Информационное письмо <name>»")
    notice_from: SafeStr | None = Field(default=None, max_length=300, pattern=r"^[^@\s]+@[^@\s]+$",
                                        description="sender of those notices; null: SMTP_FROM")
    active: bool = True


class ServicePatch(In):
    name: SafeStr | None = Field(default=None, min_length=1, max_length=200)
    description: SafeStr | None = Field(default=None, max_length=2000)
    sla_policy: SafeStr | None = Field(default=None, max_length=32)
    calendar: SafeStr | None = Field(default=None, max_length=32)
    requires_contract: bool | None = None
    intake: dict[SafeStr, list[SafeStr]] | None = None
    request_types: list[SafeStr] | None = None
    routing: dict[SafeStr, SafeStr] | None = None
    type_priority: dict[SafeStr, Int32] | None = None
    autoclose: bool | None = None
    confirmation_only: bool | None = None
    channels: list[SafeStr] | None = None
    notice_subject: SafeStr | None = Field(default=None, max_length=300)
    notice_from: SafeStr | None = Field(default=None, max_length=300, pattern=r"^[^@\s]+@[^@\s]+$")
    active: bool | None = None


class ServiceOut(Out):
    id: int
    code: str
    name: str
    description: str
    sla_policy: str
    calendar: str
    requires_contract: bool
    intake: dict[str, Any]
    request_types: list[Any]
    routing: dict[str, Any]
    type_priority: dict[str, Any]
    autoclose: bool
    confirmation_only: bool
    channels: list[Any]
    notice_subject: str | None
    notice_from: str | None
    active: bool


class GroupOut(Out):
    code: str
    name: str
    level: str = Field(description="line1, line2, line3 or dev")
    service_code: str | None = Field(description="the service the group belongs to; null: shared")


class PeriodIn(In):
    valid_from: date
    valid_to: date
    service_code: Code | None = Field(default=None, description="None: every contract-bound service")


class PeriodOut(Out):
    id: int
    valid_from: date
    valid_to: date
    service_code: str | None


class OrganisationCreate(In):
    name: SafeStr = Field(min_length=1, max_length=300)
    inn: SafeStr | None = Field(default=None, max_length=20)
    periods: list[PeriodIn] = Field(default_factory=list)


class OrganisationPatch(In):
    name: SafeStr | None = Field(default=None, min_length=1, max_length=300)
    inn: SafeStr | None = Field(default=None, max_length=20)
    periods: list[PeriodIn] | None = Field(default=None, description="when given, replaces every period")


class OrganisationOut(Out):
    id: int
    name: str
    inn: str | None
    periods: list[PeriodOut]
    created_at: datetime


class StaffUserIn(In):
    tg_id: TgId | None = Field(default=None, examples=[123456789])
    full_name: SafeStr = Field(min_length=1, max_length=300, examples=["Петров Пётр"])
    login: SafeStr | None = Field(default=None, max_length=200)
    email: SafeStr | None = Field(default=None, max_length=300)
    region: SafeStr | None = Field(default=None, max_length=100)


class StaffCreate(In):
    line_code: SafeStr = Field(examples=["line2"], description="code of the support group (GET /groups)")
    user: StaffUserIn
    is_coordinator: bool = False
    is_service_manager: bool = False
    curator_region: SafeStr | None = Field(default=None, max_length=100)
    curator_services: list[Code] = Field(default_factory=list, max_length=100, examples=[["nttm"]],
                                         description="the systems this МРФ curator approves access to (003: the "
                                                     "list of curators by МРФ per system); none: no system")


class StaffPatch(In):
    line_code: SafeStr | None = Field(default=None, examples=["line2"])
    is_coordinator: bool | None = None
    is_service_manager: bool | None = None
    curator_region: SafeStr | None = Field(default=None, max_length=100)
    curator_services: list[Code] | None = Field(default=None, max_length=100,
                                                description="replaces the curator's systems")
    active: bool | None = None
    tg_id: TgId | None = Field(default=None, description="the staff member's Telegram account (409 if taken)")
    full_name: SafeStr | None = Field(default=None, min_length=1, max_length=300)
    login: SafeStr | None = Field(default=None, max_length=200, description="unique (409 if taken)")
    email: SafeStr | None = Field(default=None, max_length=300, description="unique (409 if taken)")


class UserOut(Out):
    id: int
    tg_id: int | None
    full_name: str
    login: str | None
    email: str | None
    region: str | None
    organisation_id: int | None


class StaffOut(Out):
    id: int
    line_code: str
    is_coordinator: bool
    is_service_manager: bool
    curator_region: str | None
    curator_services: list[str]
    active: bool
    user: UserOut


NULLABLE = frozenset({"inn", "curator_region", "tg_id", "login", "email", "service_code", "notice_subject",
                      "notice_from"})


def changes(body: BaseModel) -> dict[str, Any]:
    """Only the keys the client sent (PATCH semantics); an explicit null is refused where the column needs a value."""
    data = body.model_dump(exclude_unset=True)
    nulls = {k: "Значение не может быть пустым (null)" for k, v in data.items() if v is None and k not in NULLABLE}
    if nulls:
        raise ValidationFailed("null is not allowed for: " + ", ".join(nulls), fields=nulls)
    return data


def service_out(s: Service) -> ServiceOut:
    return ServiceOut.model_validate(s)


def period_out(p: SupportPeriod) -> PeriodOut:
    return PeriodOut.model_validate(p)


def organisation_out(o: Organisation) -> OrganisationOut:
    return OrganisationOut(id=o.id, name=o.name, inn=o.inn, created_at=o.created_at,
                           periods=[period_out(p) for p in o.periods])


def user_out(u: User) -> UserOut:
    return UserOut.model_validate(u)


def staff_out(s: Staff) -> StaffOut:
    return StaffOut(id=s.id, line_code=s.line_code, is_coordinator=s.is_coordinator,
                    is_service_manager=s.is_service_manager, curator_region=s.curator_region,
                    curator_services=list(s.curator_services or []), active=s.active,
                    user=user_out(s.user))

"""Line 1's desk models: people search, closing codes and configuration items."""

from __future__ import annotations

from pydantic import Field

from admin_api.fields import Int32, SafeStr
from admin_api.schemas import In, Out
from admin_api.schemas_tickets import RequesterOut

# ≤ 32 characters: the card's resolution form carries the code in its callback data (64 bytes in all)
CLOSING_CODE = r"^[a-z0-9][a-z0-9_-]{0,31}$"


class PersonPage(Out):
    items: list[RequesterOut]
    total: int
    page: int
    per_page: int


class PersonTicket(Out):
    id: int
    number: str | None
    service: str | None
    type: str
    priority: int
    status: str
    title: str


class PersonDetail(RequesterOut):
    tg_id: int | None
    locale: str | None
    unreachable: bool = Field(description="the bot cannot reach them (blocked it)")
    profile_complete: bool
    tickets: list[PersonTicket] = Field(description="their latest tickets, newest first (as in «Мои обращения»)")
    tickets_total: int


class ClosingCodeIn(In):
    code: SafeStr = Field(pattern=CLOSING_CODE, examples=["resolved"])
    name: SafeStr = Field(min_length=1, max_length=200, examples=["Решено"])
    order: Int32 = 0
    active: bool = True


class ClosingCodePatch(In):
    name: SafeStr | None = Field(default=None, min_length=1, max_length=200)
    order: Int32 | None = None
    active: bool | None = None


class ClosingCodeOut(Out):
    code: str
    name: str
    order: int
    active: bool


class ConfigItemIn(In):
    name: SafeStr = Field(min_length=1, max_length=200, examples=["Интеграция / NTTM"])
    service_code: SafeStr | None = Field(default=None, max_length=32, description="null: every service")
    active: bool = True


class ConfigItemPatch(In):
    name: SafeStr | None = Field(default=None, min_length=1, max_length=200)
    service_code: SafeStr | None = Field(default=None, max_length=32, description="null: every service")
    active: bool | None = None


class ConfigItemOut(Out):
    id: int
    name: str
    service_code: str | None
    active: bool

"""Bounded types for every path, query and body value of the admin API.

Ids are Integer columns (int32 on PostgreSQL), Telegram ids BigInteger: a value no column can hold is a 422
naming it, not a database error. Every text refuses what no database stores (core.text).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import AfterValidator, AwareDatetime, StringConstraints

from core.text import INT64_MAX, INT64_MIN, checked_json, text_problem
from core.tickets.models import parse_number

INT32_MAX = 2_147_483_647
CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"  # services, groups, SLA policies and calendars: String(32)
MAX_PAGE = 1_000_000  # (page - 1) * per_page stays far inside any OFFSET


FIRST_YEAR, LAST_YEAR = 1900, 9000  # far outside any ticket, and far from datetime's ends (UTC conversion)


def _moment(value: datetime) -> datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"год должен быть от {FIRST_YEAR} до {LAST_YEAR}")
    return value


def _safe_text(value: str) -> str:
    reason = text_problem(value)
    if reason:
        raise ValueError(reason)
    return value


def _ticket_ref(value: str) -> str:
    number = parse_number(value)
    if number is None or not 1 <= number <= INT32_MAX:
        raise ValueError("номер обращения: SD-000042 или число от 1 до 2147483647")
    return str(number)  # the id, as digits


Id = Annotated[int, Ge(1), Le(INT32_MAX)]
TgId = Annotated[int, Ge(INT64_MIN), Le(INT64_MAX)]  # a group chat's id is negative
Int32 = Annotated[int, Ge(-INT32_MAX - 1), Le(INT32_MAX)]  # any small number the domain checks itself
Priority = Annotated[int, Ge(1), Le(4)]
PageNo = Annotated[int, Ge(1), Le(MAX_PAGE)]
SafeStr = Annotated[str, AfterValidator(_safe_text)]
SafeJson = Annotated[dict[str, Any], AfterValidator(checked_json)]
# «SD-000042», «sd42» or «42» in a path: the ticket's id
TicketRef = Annotated[str, StringConstraints(max_length=24, pattern=r"^[A-Za-z0-9-]{1,24}$"),
                      AfterValidator(_ticket_ref)]
Code = Annotated[SafeStr, StringConstraints(max_length=32)]  # names a service, group, policy or calendar
NewCode = Annotated[SafeStr, StringConstraints(pattern=CODE_PATTERN)]  # the code of a record being created
Moment = Annotated[datetime, AfterValidator(_moment)]  # naive: the desk's local time where a route says so
AwareMoment = Annotated[AwareDatetime, AfterValidator(_moment)]

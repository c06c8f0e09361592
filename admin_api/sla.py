"""Admin API: SLA policies and calendars (read and edit), and the SLA report."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Query
from fastapi.responses import PlainTextResponse, Response

from admin_api.deps import Tz, Uow
from admin_api.fields import Moment, NewCode, SafeJson, SafeStr
from admin_api.schemas_reports import SlaReport, StoredSla
from core.db import utcnow
from core.sla import reports, store

router = APIRouter(tags=["sla"])
_WEEKDAYS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
CALENDAR_EXAMPLE = {"tz": "Europe/Moscow", "hours": _WEEKDAYS, "holidays": ["2027-01-01"]}
POLICY_EXAMPLE = {"name": "Реакция по приоритетам", "priorities": {
    str(p): {"reaction": {"amount": minutes, "unit": "minutes", "calendar": "24x7", "from": "start"}}
    for p, minutes in ((1, 20), (2, 40), (3, 120), (4, 180))}}
# a report is JSON, or with format=csv a CSV table: both are documented answers
CSV_TOO: dict[str, Any] = {"content": {"text/csv": {"schema": {"type": "string"}}}}


@router.get("/sla/policies", response_model=list[StoredSla])
async def list_policies(uow: Uow) -> list[dict[str, Any]]:
    """Every policy: code, updated_at and data (the `Policy.from_dict` shape)."""
    return await store.list_policies(uow=uow.read())


@router.get("/sla/policies/{code}")
async def get_policy(uow: Uow, code: SafeStr) -> dict[str, Any]:
    """One policy in the shape PUT accepts."""
    return (await store.get_policy(uow=uow.read(), code=code))["data"]


@router.put("/sla/policies/{code}")
async def put_policy(uow: Uow, code: NewCode,
                     body: Annotated[SafeJson, Body(examples=[POLICY_EXAMPLE])]) -> dict[str, Any]:
    """Creates or replaces a policy; 422 with the reason when it is invalid or names an unknown calendar."""
    return (await store.put_policy(uow=uow(), code=code, data=body))["data"]


@router.get("/sla/calendars", response_model=list[StoredSla])
async def list_calendars(uow: Uow) -> list[dict[str, Any]]:
    """Every calendar: code, updated_at and data (the `BusinessCalendar.from_dict` shape)."""
    return await store.list_calendars(uow=uow.read())


@router.get("/sla/calendars/{code}")
async def get_calendar(uow: Uow, code: SafeStr) -> dict[str, Any]:
    """One calendar in the shape PUT accepts."""
    return (await store.get_calendar(uow=uow.read(), code=code))["data"]


@router.put("/sla/calendars/{code}")
async def put_calendar(uow: Uow, code: NewCode,
                       body: Annotated[SafeJson, Body(examples=[CALENDAR_EXAMPLE])]) -> dict[str, Any]:
    """Creates or replaces a calendar (working hours, holidays, extra working days); 422 when invalid."""
    return (await store.put_calendar(uow=uow(), code=code, data=body))["data"]


def _aware(moment: datetime, tz: ZoneInfo) -> datetime:
    # a date or a naive time in the query means the desk's local time
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


@router.get("/reports/sla", response_model=SlaReport, responses={200: CSV_TOO})
async def sla_report(
    uow: Uow,
    tz: Tz,
    date_from: Annotated[Moment | None, Query(alias="from", description="clocks started at or after (ISO)")] = None,
    date_to: Annotated[Moment | None, Query(alias="to", description="clocks started before (ISO); default now")] = None,
    service: Annotated[SafeStr | None, Query(description="service code")] = None,
    fmt: Literal["json", "csv"] = Query("json", alias="format"),
) -> Response | dict[str, Any]:
    """Per service, priority and target: tickets, met, breached, median and p90 of working seconds used."""
    end = _aware(date_to, tz) if date_to else utcnow()
    start = _aware(date_from, tz) if date_from else end - timedelta(days=30)
    rows = await reports.sla_report(uow=uow.read(), date_from=start, date_to=end, service=service)
    if fmt == "csv":
        return PlainTextResponse(reports.to_csv(rows), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="sla-report.csv"'})
    return {"from": start.isoformat(), "to": end.isoformat(), "service": service, "rows": rows}

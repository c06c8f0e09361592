"""Admin API: outages (declare, update, restore, link tickets), a service's audience, the outage report."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from pydantic import Field

from admin_api.deps import Tz, Uow
from admin_api.fields import AwareMoment, Id, SafeStr
from admin_api.schemas import In, Out
from admin_api.sla import CSV_TOO
from core.outages import service, subscriptions

router = APIRouter(tags=["outages"])


class OutageIn(In):
    services: list[SafeStr] = Field(min_length=1, examples=[["nttm"]])
    title: SafeStr = Field(min_length=1, max_length=300)
    what: SafeStr = Field(default="", max_length=2000, description="what does not work")
    started_at: AwareMoment | None = None
    expected_at: AwareMoment | None = Field(default=None, description="expected restoration, if known")
    declared_by: SafeStr | None = Field(default=None, max_length=200)


class OutageUpdateIn(In):
    details: SafeStr | None = Field(default=None, max_length=2000)
    expected_at: AwareMoment | None = None
    problem: SafeStr | None = Field(default=None, max_length=4000, description="a problem record (unknown root cause)")


class RestoreIn(In):
    resolution: SafeStr = Field(min_length=1, max_length=4000)
    staff_id: Id = Field(description="who restores; the linked tickets are resolved in their name")
    restored_by: SafeStr | None = Field(default=None, max_length=200)


class LinkIn(In):
    ticket_id: Id


class OutageOut(Out):
    id: int
    title: str
    what: str
    services: list[str]
    status: str
    started_at: datetime
    expected_at: datetime | None
    restored_at: datetime | None
    resolution: str | None
    problem: str | None


class Declared(Out):
    outage: OutageOut
    broadcast_id: int


class Restored(Out):
    outage: OutageOut
    broadcast_id: int
    resolved_tickets: list[int]
    not_resolved: dict[int, str]


class AudienceOut(Out):
    added: int
    already: int
    unknown: list[str]


class ReportRow(Out):
    id: int
    title: str
    services: list[str]
    status: str
    started_at: datetime
    restored_at: datetime | None
    duration_minutes: int | None
    linked_tickets: list[int]
    notices_sent: int
    notices_failed: int
    notices_blocked: int
    notices_uncertain: int
    declared_by: str | None
    restored_by: str | None
    problem: str | None


@router.post("/outages", response_model=Declared, status_code=201)
async def declare(body: OutageIn, uow: Uow, tz: Tz) -> Declared:
    """Declares an outage: the services' chats (pinned) and managers and the audience are told at once."""
    o, bid = await service.declare(uow=uow(), services=body.services, title=body.title, what=body.what,
                                   started_at=body.started_at, expected_at=body.expected_at,
                                   declared_by=body.declared_by, tz=tz)
    return Declared(outage=OutageOut.model_validate(o), broadcast_id=bid)


@router.post("/outages/{outage_id}/updates", status_code=201)
async def update(outage_id: Id, body: OutageUpdateIn, uow: Uow, tz: Tz) -> dict[str, int]:
    """A new estimate or details: a short follow-up to everyone told before."""
    bid = await service.update_outage(uow=uow(), outage_id=outage_id, details=body.details,
                                      expected_at=body.expected_at, problem=body.problem, tz=tz)
    return {"broadcast_id": bid}


@router.post("/outages/{outage_id}/restore", response_model=Restored)
async def restore(outage_id: Id, body: RestoreIn, uow: Uow, tz: Tz) -> Restored:
    """Restoration: everyone told before hears it, the notice is unpinned, linked tickets are resolved."""
    o, bid, linked = await service.restore(uow=uow(), outage_id=outage_id, resolution=body.resolution,
                                           restored_by=body.restored_by, staff_id=body.staff_id, tz=tz)
    done, skipped = await service.resolve_linked(uow_factory=uow, ticket_ids=linked, staff_id=body.staff_id,
                                                 resolution=body.resolution)
    return Restored(outage=OutageOut.model_validate(o), broadcast_id=bid, resolved_tickets=done,
                    not_resolved=skipped)


@router.post("/outages/{outage_id}/tickets", status_code=204)
async def link(outage_id: Id, body: LinkIn, uow: Uow) -> Response:
    """Links a ticket to the outage (it is resolved with the outage's resolution on restoration)."""
    await service.link_ticket(uow=uow(), outage_id=outage_id, ticket_id=body.ticket_id)
    return Response(status_code=204)


@router.post("/services/{code}/audience", response_model=AudienceOut)
async def add_audience(code: SafeStr, uow: Uow,
                       csv_text: Annotated[SafeStr, Body(media_type="text/csv",
                                                         description="logins or e-mails, one a line")],
                       ) -> AudienceOut:
    """Adds users (by login or e-mail) to the service's audience; unknown ones are listed, nothing else fails."""
    res = await subscriptions.add_audience_csv(uow=uow(), service_code=code, csv_text=csv_text)
    return AudienceOut.model_validate(res)


@router.get("/reports/outages", response_model=list[ReportRow], responses={200: CSV_TOO})
async def outage_report(uow: Uow, since: AwareMoment | None = None,
                        format: Literal["json", "csv"] = Query(default="json")) -> Response | list[ReportRow]:
    """Start, restoration, duration, services, linked tickets, notices sent / failed / blocked / uncertain, who."""
    rows = [ReportRow.model_validate(r) for r in await service.report(uow=uow.read(), since=since)]
    if format == "json":
        return rows
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(list(ReportRow.model_fields))
    for r in rows:
        d = r.model_dump(mode="json")
        w.writerow([" ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v) for v in d.values()])
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=outages.csv"})

"""Admin API: planned works and releases (announce, extend, complete, cancel) and their report."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from admin_api.deps import Tz, Uow
from admin_api.fields import Id, SafeStr
from admin_api.schemas import In, Out
from core.planned import queries, service

router = APIRouter(tags=["planned works"])


class WorkIn(In):
    kind: Literal["works", "release"] = Field("works", description="works (работы) or release (релиз)")
    services: list[SafeStr] = Field(min_length=1, max_length=20, examples=[["nttm"]])
    title: SafeStr = Field(min_length=1, max_length=300, examples=["Обновление сервера БД"])
    what: SafeStr = Field(default="", max_length=2000, description="what will be unavailable")
    changes: list[SafeStr] = Field(default_factory=list, max_length=100, description="a release's changes")
    starts_at: AwareDatetime = Field(examples=["2026-12-10T22:00:00+03:00"])
    ends_at: AwareDatetime = Field(examples=["2026-12-11T02:00:00+03:00"])
    urgent: bool = Field(False, description="announced under 24 h ahead (003 asks 24 h): refused unless true")
    created_by: SafeStr | None = Field(default=None, max_length=200)


class ExtendIn(In):
    ends_at: AwareDatetime


class CancelIn(In):
    reason: SafeStr = Field(default="", max_length=2000)


class NoticeOut(Out):
    stage: str
    due_at: datetime
    settled: bool
    outcome: str | None
    broadcast_id: int | None
    settled_at: datetime | None


class WorkOut(Out):
    id: int
    kind: str
    services: list[str]
    title: str
    what: str
    changes: list[str]
    starts_at: datetime
    ends_at: datetime
    urgent: bool
    status: str
    extended_count: int
    cancel_reason: str | None
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None


class WorkDetail(WorkOut):
    notices: list[NoticeOut]
    notices_sent: int
    notices_failed: int
    notices_blocked: int
    notices_uncertain: int
    tickets: list[int] = Field(default_factory=list, description="a release: the tickets waiting for it, or "
                                                                 "resolved by its installation (003)")


class Announced(Out):
    work: WorkOut
    broadcast_id: int


@router.post("/planned-works", response_model=Announced, status_code=201)
async def create(body: WorkIn, uow: Uow, tz: Tz) -> Announced:
    """Announces works or a release now (chats, service managers, audience) and schedules the reminder an hour
    before, the start and the end notices. Starting under 24 h from now is refused unless `urgent`."""
    w, bid = await service.create(uow=uow(), kind=body.kind, services=body.services, title=body.title,
                                  starts_at=body.starts_at, ends_at=body.ends_at, what=body.what,
                                  changes=body.changes, urgent=body.urgent, created_by=body.created_by, tz=tz)
    return Announced(work=WorkOut.model_validate(w), broadcast_id=bid)


@router.get("/planned-works", response_model=list[WorkOut])
async def list_works(uow: Uow, upcoming: bool = Query(False, description="only scheduled or running ones")
                     ) -> list[WorkOut]:
    """Planned works and releases, by start."""
    return [WorkOut.model_validate(w) for w in await queries.list_works(uow=uow.read(), upcoming=upcoming)]


@router.get("/planned-works/{work_id}", response_model=WorkDetail)
async def get_work(work_id: Id, uow: Uow) -> WorkDetail:
    """One works with each notice's state and what the notices did."""
    d = await queries.detail(uow=uow.read(), work_id=work_id)
    return WorkDetail.model_validate({**WorkOut.model_validate(d.work).model_dump(),
                                      "notices": [NoticeOut.model_validate(n) for n in d.notices],
                                      **d.counts, "tickets": d.tickets})


@router.post("/planned-works/{work_id}/extend", response_model=Announced)
async def extend(work_id: Id, body: ExtendIn, uow: Uow, tz: Tz) -> Announced:
    """A later end: everyone told hears it, the end notice moves."""
    w, bid = await service.extend(uow=uow(), work_id=work_id, ends_at=body.ends_at, tz=tz)
    return Announced(work=WorkOut.model_validate(w), broadcast_id=bid)


@router.post("/planned-works/{work_id}/complete", response_model=Announced)
async def complete(work_id: Id, uow: Uow, tz: Tz) -> Announced:
    """The works are done (early or on time): everyone told hears it now."""
    w, bid = await service.complete(uow=uow(), work_id=work_id, tz=tz)
    return Announced(work=WorkOut.model_validate(w), broadcast_id=bid)


@router.post("/planned-works/{work_id}/cancel", response_model=Announced)
async def cancel(work_id: Id, body: CancelIn, uow: Uow, tz: Tz) -> Announced:
    """Cancels the works: no more notices; everyone already told hears it."""
    w, bid = await service.cancel(uow=uow(), work_id=work_id, reason=body.reason, tz=tz)
    return Announced(work=WorkOut.model_validate(w), broadcast_id=bid)


@router.get("/reports/planned-works", response_model=list[WorkDetail])
async def report(uow: Uow, since: AwareDatetime | None = None) -> list[WorkDetail]:
    """Every planned works since a date: times, urgency, each notice's outcome, what the notices did."""
    out = []
    for d in await queries.report(uow=uow.read(), since=since):
        out.append(WorkDetail.model_validate({**WorkOut.model_validate(d.work).model_dump(),
                                              "notices": [NoticeOut.model_validate(n) for n in d.notices],
                                              **d.counts, "tickets": d.tickets}))
    return out

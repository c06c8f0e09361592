"""Admin API: catalog routes (services, organisations, staff)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from admin_api.deps import Uow
from admin_api.fields import Id, SafeStr
from admin_api.schemas import (
    GroupOut,
    OrganisationCreate,
    OrganisationOut,
    OrganisationPatch,
    ServiceCreate,
    ServiceOut,
    ServicePatch,
    StaffCreate,
    StaffOut,
    StaffPatch,
    changes,
    organisation_out,
    service_out,
    staff_out,
)
from core.catalog import service as catalog
from core.tickets import requeue

router = APIRouter()


@router.get("/services", response_model=list[ServiceOut], tags=["services"])
async def list_services(uow: Uow, active_only: bool = False) -> list[ServiceOut]:
    """Every service of the catalog."""
    return [service_out(s) for s in await catalog.list_services(uow=uow.read(), active_only=active_only)]


@router.get("/services/{code}", response_model=ServiceOut, tags=["services"])
async def get_service(uow: Uow, code: SafeStr) -> ServiceOut:
    """One service by code."""
    return service_out(await catalog.get_service(uow=uow.read(), code=code))


@router.post("/services", response_model=ServiceOut, status_code=201, tags=["services"])
async def create_service(uow: Uow, body: ServiceCreate) -> ServiceOut:
    """Adds a service."""
    attrs = body.model_dump()
    code, name = attrs.pop("code"), attrs.pop("name")
    return service_out(await catalog.create_service(uow=uow(), code=code, name=name, **attrs))


@router.patch("/services/{code}", response_model=ServiceOut, tags=["services"])
async def update_service(uow: Uow, code: SafeStr, body: ServicePatch) -> ServiceOut:
    """Changes the given attributes of a service."""
    return service_out(await catalog.update_service(uow=uow(), code=code, changes=changes(body)))


@router.get("/groups", response_model=list[GroupOut], tags=["staff"])
async def list_groups(uow: Uow) -> list[GroupOut]:
    """Support groups: line level and the service each belongs to (staff join a group by its code)."""
    return [GroupOut.model_validate(g) for g in await catalog.list_lines(uow=uow.read())]


@router.get("/organisations", response_model=list[OrganisationOut], tags=["organisations"])
async def list_organisations(uow: Uow) -> list[OrganisationOut]:
    """Every organisation with its support periods."""
    return [organisation_out(o) for o in await catalog.list_organisations(uow=uow.read())]


@router.get("/organisations/{org_id}", response_model=OrganisationOut, tags=["organisations"])
async def get_organisation(uow: Uow, org_id: Id) -> OrganisationOut:
    """One organisation."""
    return organisation_out(await catalog.get_organisation(uow=uow.read(), org_id=org_id))


@router.post("/organisations", response_model=OrganisationOut, status_code=201, tags=["organisations"])
async def create_organisation(uow: Uow, body: OrganisationCreate) -> OrganisationOut:
    """Adds an organisation with its support periods."""
    data = body.model_dump()
    return organisation_out(await catalog.create_organisation(uow=uow(), name=data["name"],
                                                              inn=data["inn"], periods=data["periods"]))


@router.patch("/organisations/{org_id}", response_model=OrganisationOut, tags=["organisations"])
async def update_organisation(uow: Uow, org_id: Id, body: OrganisationPatch) -> OrganisationOut:
    """Changes name/INN; `periods`, when given, replaces them all."""
    return organisation_out(await catalog.update_organisation(uow=uow(), org_id=org_id,
                                                              changes=changes(body)))


@router.get("/staff", response_model=list[StaffOut], tags=["staff"])
async def list_staff(uow: Uow, line: SafeStr | None = None) -> list[StaffOut]:
    """Staff members, optionally of one line."""
    return [staff_out(s) for s in await catalog.list_staff(uow=uow.read(), line=line)]


@router.get("/staff/{staff_id}", response_model=StaffOut, tags=["staff"])
async def get_staff(uow: Uow, staff_id: Id) -> StaffOut:
    """One staff member."""
    return staff_out(await catalog.get_staff(uow=uow.read(), staff_id=staff_id))


@router.post("/staff", response_model=StaffOut, status_code=201, tags=["staff"])
async def create_staff(uow: Uow, body: StaffCreate) -> StaffOut:
    """Adds a user (found by Telegram id or created) to a line group."""
    return staff_out(await catalog.create_staff(uow=uow(), **body.model_dump()))


@router.patch("/staff/{staff_id}", response_model=StaffOut, tags=["staff"])
async def update_staff(uow: Uow, staff_id: Id, body: StaffPatch) -> StaffOut:
    """Changes line, flags, curated region, or the person's Telegram account, name, login, e-mail (409 when
    another person has that Telegram account, login or e-mail)."""
    return staff_out(await catalog.update_staff(uow=uow(), staff_id=staff_id,
                                                changes=changes(body)))


@router.delete("/staff/{staff_id}", status_code=204, tags=["staff"])
async def delete_staff(uow: Uow, staff_id: Id) -> Response:
    """Removes a staff member: the record is deactivated (history kept) and their open tickets go back to their
    groups' queues, each with a history entry and a notice."""
    await requeue.deactivate_staff(uow=uow(), staff_id=staff_id)
    return Response(status_code=204)

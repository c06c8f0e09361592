"""Admin API: a service's e-mail address list for its information notices (003: exported from the system's DB)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import Field

from admin_api.deps import Uow
from admin_api.fields import Code, PageNo, SafeStr
from admin_api.schemas import In, Out
from core.mail import bulletins

router = APIRouter(tags=["services"])


class AddressesIn(In):
    addresses: list[SafeStr] = Field(max_length=bulletins.MAX_ADDRESSES,
                                     description="every address of the system's users (the regular export from "
                                                 "its database); replaces the list loaded before")


class AddressesLoaded(Out):
    kept: int = Field(description="addresses now on the list (lowercased, each once)")
    refused: list[str] = Field(description="entries that are not e-mail addresses")


class AddressesPage(Out):
    addresses: list[str]
    total: int


@router.put("/services/{code}/mail-addresses", response_model=AddressesLoaded)
async def load_addresses(uow: Uow, code: Code, body: AddressesIn) -> AddressesLoaded:
    """Loads the service's address list: its information notices (outages, works, releases) are e-mailed to these
    and to the service's users with an e-mail in their profile."""
    kept, refused = await bulletins.replace_addresses(uow=uow(), service_code=code, addresses=body.addresses)
    return AddressesLoaded(kept=kept, refused=refused[:100])


@router.get("/services/{code}/mail-addresses", response_model=AddressesPage)
async def list_addresses(uow: Uow, code: Code, page: PageNo = 1,
                         per_page: int = Query(100, ge=1, le=1000)) -> AddressesPage:
    """The service's loaded addresses, alphabetically, one page."""
    rows, total = await bulletins.list_addresses(uow=uow.read(), service_code=code, offset=(page - 1) * per_page,
                                                 limit=per_page)
    return AddressesPage(addresses=rows, total=total)

"""Admin API: the closing catalog of 003 «Решение обращения» — closing codes and configuration items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from admin_api.deps import Uow
from admin_api.fields import Id, SafeStr
from admin_api.schemas import changes
from admin_api.schemas_desk import (
    ClosingCodeIn,
    ClosingCodeOut,
    ClosingCodePatch,
    ConfigItemIn,
    ConfigItemOut,
    ConfigItemPatch,
)
from core.tickets import closing

router = APIRouter(tags=["closing"])
Code = Annotated[SafeStr, Path(max_length=64, description="a closing code")]


@router.get("/closing-codes", response_model=list[ClosingCodeOut])
async def list_closing_codes(uow: Uow, active_only: bool = False) -> list[ClosingCodeOut]:
    """Closing codes in their order."""
    return [ClosingCodeOut.model_validate(c) for c in await closing.list_codes(uow=uow(), active_only=active_only)]


@router.post("/closing-codes", response_model=ClosingCodeOut, status_code=201)
async def create_closing_code(uow: Uow, body: ClosingCodeIn) -> ClosingCodeOut:
    """Adds a closing code (409 when the code exists)."""
    return ClosingCodeOut.model_validate(await closing.create_code(uow=uow(), **body.model_dump()))


@router.patch("/closing-codes/{code}", response_model=ClosingCodeOut)
async def update_closing_code(uow: Uow, code: Code, body: ClosingCodePatch) -> ClosingCodeOut:
    """Renames, reorders, turns off or on a closing code."""
    return ClosingCodeOut.model_validate(await closing.update_code(uow=uow(), code=code, changes=changes(body)))


@router.delete("/closing-codes/{code}", status_code=204)
async def delete_closing_code(uow: Uow, code: Code) -> Response:
    """Removes a closing code; closed tickets keep theirs."""
    await closing.delete_code(uow=uow(), code=code)
    return Response(status_code=204)


@router.get("/config-items", response_model=list[ConfigItemOut])
async def list_config_items(uow: Uow, service: Annotated[SafeStr | None, Query(max_length=32)] = None,
                            ) -> list[ConfigItemOut]:
    """Configuration items: of one service with the shared ones, or all."""
    return [ConfigItemOut.model_validate(i) for i in await closing.list_items(uow=uow(), service_code=service)]


@router.post("/config-items", response_model=ConfigItemOut, status_code=201)
async def create_config_item(uow: Uow, body: ConfigItemIn) -> ConfigItemOut:
    """Adds a configuration item (409 when the service has one of that name)."""
    return ConfigItemOut.model_validate(await closing.create_item(uow=uow(), **body.model_dump()))


@router.patch("/config-items/{item_id}", response_model=ConfigItemOut)
async def update_config_item(uow: Uow, item_id: Id, body: ConfigItemPatch) -> ConfigItemOut:
    """Renames, moves to another service (null: shared) or turns off or on a configuration item."""
    return ConfigItemOut.model_validate(await closing.update_item(uow=uow(), item_id=item_id, changes=changes(body)))


@router.delete("/config-items/{item_id}", status_code=204)
async def delete_config_item(uow: Uow, item_id: Id) -> Response:
    """Removes a configuration item; closed tickets keep theirs."""
    await closing.delete_item(uow=uow(), item_id=item_id)
    return Response(status_code=204)

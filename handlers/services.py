"""The service catalog as the dialogs see it: read once per process and kept for a few seconds.

A report asks for the services four times (the list, the chosen one, its types, its intake) and my-requests
once per view; the catalog changes a few times a year. Any in-process change of a Service (the admin API in
the bot's process) drops the copy at once through a session event; a change committed by another process
drops it within milliseconds with REDIS_URL (core/cachebus.py), else shows within `TTL` seconds, which only
delays a new service or a renamed button: the ticket use case checks the
service against the database when the ticket is registered.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from core import cachebus
from core.catalog import service as catalog
from core.catalog.models import Service
from core.errors import NotFound
from core.uow import UowFactory

TTL = 30.0
_state: dict[str, Any] = {"at": None, "services": [], "uow": None, "generation": 0}


def forget() -> None:
    """Drops the cached catalog (the next call reads it again)."""
    _state["at"] = None
    _state["generation"] += 1


async def all_services(uow: UowFactory) -> list[Service]:
    """Every service (active or not), by id."""
    at = _state["at"]
    # another root's factory (a second root in one process: tests) is another database: read it afresh
    if at is None or _state["uow"] is not uow or time.monotonic() - at >= TTL:
        generation = _state["generation"]
        services = await catalog.list_services(uow=uow())
        if _state["generation"] == generation:  # nothing changed while reading: keep it
            _state.update(services=services, at=time.monotonic(), uow=uow)
        return services
    return list(_state["services"])


async def active_services(uow: UowFactory) -> list[Service]:
    """The services a user may report about."""
    return [s for s in await all_services(uow) if s.active]


async def get_service(uow: UowFactory, code: str) -> Service:
    """A service by code (NotFound as the use case would raise)."""
    for s in await all_services(uow):
        if s.code == code:
            return s
    raise NotFound(f"service '{code}' not found")


cachebus.register("services", lambda _key: forget())


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    if any(isinstance(o, Service) for o in (*session.new, *session.dirty, *session.deleted)):
        forget()
        session.info["services_changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("services_changed", False):
        forget()  # again: a read between the flush and the commit saw the old rows
        cachebus.changed("services")


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None and state.bind_mapper.class_ is Service:
        forget()
        state.session.info["services_changed"] = True  # the other processes drop theirs once it is committed

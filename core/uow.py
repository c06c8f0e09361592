"""Unit of work: one use case, one transaction. Repositories add and flush; use cases commit."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from core.db import SIDE_WRITE
from core.errors import Conflict
from core.outbox.models import OutboxEvent

# PostgreSQL's serialization failure and deadlock: the transaction lost a race and wrote nothing
_RACE_SQLSTATES = frozenset({"40001", "40P01"})


class WriteConflict(Conflict):
    """Another transaction changed the same rows at the same moment; this one was rolled back."""

    code = "conflict"


def is_write_conflict(exc: BaseException) -> bool:
    """A lost race: a version check that matched no row, or PostgreSQL's serialization failure or deadlock."""
    if isinstance(exc, StaleDataError):
        return True
    if isinstance(exc, DBAPIError):
        return getattr(exc.orig, "sqlstate", None) in _RACE_SQLSTATES
    return False


class UnitOfWork:
    """`async with uow:` opens a session; leaving without `commit()` rolls back."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, read_only: bool = False) -> None:
        self._factory = session_factory
        self._session: AsyncSession | None = None
        self.read_only = read_only

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("unit of work is not re-entrant")
        self._session = self._factory()
        return self

    async def __aexit__(self, et: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        session, self._session = self.session, None
        # close() rolls back whatever was not committed but, unlike rollback(), leaves loaded objects usable
        await session.close()
        # a lost race surfaces at whichever flush hits the locked row (often an autoflush deep inside the use
        # case), so it is mapped here, where every use case passes, rather than around each commit
        if exc is not None and not isinstance(exc, Conflict) and is_write_conflict(exc):
            raise WriteConflict("the data was changed by someone else at the same moment; try again") from exc

    def mark_side_write(self) -> None:
        """Marks this transaction as bookkeeping (statistics), not the work a request asked for."""
        self.session.info[SIDE_WRITE] = True

    async def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()

    def add_event(self, topic: str, payload: dict[str, Any], *, ticket_id: int | None = None,
                  dedup_key: str | None = None) -> OutboxEvent:
        """Puts a domain event into the outbox of the current transaction."""
        ev = OutboxEvent(topic=topic, payload=payload, ticket_id=ticket_id, dedup_key=dedup_key)
        self.session.add(ev)
        return ev


class UowFactory:
    """Makes a fresh UnitOfWork per use case call; `read()` one for reads that need no writer."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession],
                 read_factory: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.session_factory = session_factory
        self.read_factory = read_factory or session_factory

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def read(self) -> UnitOfWork:
        """A unit of work for reading only: on SQLite it comes from the reader pool, never waiting for a writer."""
        return UnitOfWork(self.read_factory, read_only=True)

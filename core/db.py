"""Declarative base, portable column types and the engine/session factory."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: `session.info` key of a bookkeeping transaction (statistics, a user record made on first contact): it is not
#: the work an incoming request asked for, so request-level bookkeeping (the bot's update ids) skips it
SIDE_WRITE = "side_write"


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite hands back naive values, so re-attach UTC on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware values only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


def make_engine(url: str, *, echo: bool = False, pool_size: int = 5, max_overflow: int = 10,
                pre_ping: bool = True) -> AsyncEngine:
    """Engine with SQLite tuned for concurrent readers (WAL, FKs, busy timeout); for a server database a pool
    of `pool_size` kept connections (+ `max_overflow` opened and closed again under a peak)."""
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        from core import sqlite_driver

        kwargs["connect_args"] = {"timeout": 30, "async_creator_fn": sqlite_driver.connect}
        # the pool's rollback on check-in stays on (one more thread hop per unit of work): with one shared
        # connection, a transaction left open by a failed COMMIT must not leak into the next session
        if make_url(url).database not in (None, "", ":memory:") and "mode=memory" not in url:
            # SQLite has one writer: with several pooled connections, concurrent writers met in SQLite's busy
            # handler, which sleeps up to 100 ms a try (bench/bot.py with 8 users in flight: max 1.4 s per
            # update). One connection queues them in the pool instead (max 0.33 s, same throughput). A use case
            # must therefore never hold one session while opening another (the suite runs with this pool).
            kwargs.update(pool_size=1, max_overflow=0)
    else:
        # SQLAlchemy's defaults (5 + 10): bench/scale.py with 10 + 20 showed no gain on 2 cores, and four processes
        # of 30 would pass PostgreSQL's default max_connections of 100
        kwargs.update(pool_pre_ping=pre_ping, pool_size=pool_size, max_overflow=max_overflow)
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if make_url(url).database not in (None, "", ":memory:") and "mode=memory" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def _file_sqlite(url: str) -> bool:
    memory = make_url(url).database in (None, "", ":memory:") or "mode=memory" in url
    return url.startswith("sqlite") and not memory


def make_read_engine(url: str, *, pool_size: int = 4) -> AsyncEngine | None:
    """A pool of read-only connections beside the single writer, for file SQLite only (None elsewhere).

    In WAL mode readers see the last committed state and never wait for the writer, so a long write (an import)
    no longer queues every read behind it in the one-connection pool. PostgreSQL's pool already serves reads
    concurrently, so there the writer's engine is used for both."""
    if not _file_sqlite(url):
        return None
    from core import sqlite_driver

    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0,
                                 connect_args={"timeout": 30, "async_creator_fn": sqlite_driver.connect})

    @event.listens_for(engine.sync_engine, "connect")
    def _reader_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # the writer set WAL (persistent in the file); query_only turns any write through this pool into an error
        cur.execute("PRAGMA query_only=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory; objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def import_all_models() -> None:
    """Imports every model module so that Base.metadata is complete (Alembic, tests)."""
    import importlib

    for name in (
        "core.catalog.models",
        "core.tickets.models",
        "core.outbox.models",
        "core.broadcasts.models",
        "core.outages.models",
        "core.planned.models",
        "core.mail.models",
        "core.verification.models",
        "core.sla.models",
        "core.staffdesk.models",
        "kb.models",
        "bot.models",
    ):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


_UNAVAILABLE_WORDS = ("connect", "refused", "closed", "terminat", "database is locked", "unable to open",
                      "disk i/o", "timeout", "timed out", "shutting down", "starting up", "too many clients")


def database_unavailable(exc: BaseException) -> bool:
    """The error says the database cannot be reached or is busy right now (retry later), not that a query is wrong."""
    from sqlalchemy import exc as sa

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, sa.TimeoutError | sa.DisconnectionError | ConnectionError | TimeoutError):
            return True
        if isinstance(cur, sa.DBAPIError) and cur.connection_invalidated:
            return True
        if isinstance(cur, sa.OperationalError | sa.InterfaceError):
            text = str(cur.orig if cur.orig is not None else cur).lower()
            if any(w in text for w in _UNAVAILABLE_WORDS):
                return True
        if type(cur).__module__.startswith("asyncpg") and type(cur).__name__ in (
                "CannotConnectNowError", "ConnectionDoesNotExistError", "TooManyConnectionsError",
                "ConnectionFailureError", "InterfaceError"):
            return True
        cur = cur.__cause__ or cur.__context__
    return False

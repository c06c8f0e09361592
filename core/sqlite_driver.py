"""aiosqlite with fewer thread hops: cursors are made and closed on the event loop's thread.

aiosqlite runs every call on its worker thread, and SQLAlchemy makes a fresh cursor per statement and closes it
after, so each statement paid two extra round-trips to that thread (about a third of a registration's time in
bench/tickets.py). Making or closing a sqlite3 cursor does no I/O, and SQLAlchemy already serialises the
statements of one connection (check_same_thread=False is its own setting for aiosqlite), so doing those two
calls in place is safe; statements, fetches and commits still run on the worker thread.
"""

from __future__ import annotations

import sqlite3
from functools import partial
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager


class _Cursor(aiosqlite.Cursor):
    async def close(self) -> None:
        self._cursor.close()


class _Connection(aiosqlite.Connection):
    @contextmanager
    async def cursor(self) -> aiosqlite.Cursor:
        return _Cursor(self, self._conn.cursor())


def connect(database: str, **kwargs: Any) -> aiosqlite.Connection:
    """Same arguments as aiosqlite.connect; used by SQLAlchemy through `async_creator_fn`."""
    conn = _Connection(partial(sqlite3.connect, database, **kwargs), 64)
    conn._thread.daemon = True
    return conn

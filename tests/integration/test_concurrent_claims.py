"""Two senders at once (a failover: the old worker not yet dead, the new one started) never take the same row."""

from __future__ import annotations

import asyncio

from sqlalchemy import insert, select

from app.root import Root
from core.broadcasts import ledger
from core.broadcasts import service as broadcasts
from core.catalog.models import User
from core.db import make_engine, make_session_factory


async def test_two_broadcast_senders_claim_disjoint_rows(root: Root, database_url: str) -> None:
    async with root.engine.begin() as conn:
        await conn.execute(insert(User), [{"tg_id": 40_000_000 + i, "full_name": f"U{i}", "login": f"cl{i}",
                                           "locale": "ru", "unreachable": False, "profile_complete": True}
                                          for i in range(120)])
    bid = await broadcasts.create_broadcast(uow=root.uow(), kind="notice", texts={"ru": "Проверка"},
                                            audience=broadcasts.users_audience(select(User.id)))
    other = make_engine(database_url)  # the second worker's own pool
    try:
        first, second = await asyncio.gather(
            ledger.claim(root.session_factory, [bid], limit=80),
            ledger.claim(make_session_factory(other), [bid], limit=80))
    finally:
        await other.dispose()
    a, b = {r.id for r in first}, {r.id for r in second}
    assert not a & b  # nobody would be told twice
    if database_url.startswith("postgresql"):
        # SKIP LOCKED: each takes rows the other does not hold, neither refuses the other
        assert a and b and len(a) + len(b) >= 80, (len(a), len(b))
    else:
        # SQLite has one writer (and one process by design): a claim that lost the race takes nothing this time
        assert a or b, (len(a), len(b))
    again = await ledger.claim(root.session_factory, [bid], limit=200)
    assert {r.id for r in again}.isdisjoint(a | b) and len(a | b) + len(again) == 120

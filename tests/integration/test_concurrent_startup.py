"""Processes started together on a fresh PostgreSQL database (a deploy: web ×2, worker ×2) take turns at the
migrations and the seeding; each used to run them at once, and the losers crashed on «relation already exists»
or a duplicate seed row."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.root import build_root
from core import migrate
from core.catalog.models import Service
from core.settings import Settings
from tests.conftest import _reset_postgres


async def test_four_roots_starting_at_once_on_a_fresh_database_all_come_up(settings: Settings) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("several processes on one database is the PostgreSQL deployment; SQLite runs one process")
    url = make_url(settings.database_url)
    fresh = url.set(database=f"{url.database}_startup").render_as_string(hide_password=False)
    await _reset_postgres(fresh)  # an empty database of its own: the suite's one is migrated already
    fresh_settings = settings.model_copy(update={"database_url": fresh})
    # four roots in one loop: their startups overlap for certain (processes' start times vary by seconds)
    roots = [build_root(fresh_settings, with_bot=False, with_api=False) for _ in range(4)]
    try:
        # without the lock they never finish here (alembic's context is process-wide as well): a bounded wait
        results = await asyncio.wait_for(asyncio.gather(*(r.startup() for r in roots), return_exceptions=True), 120)
        assert [r for r in results if isinstance(r, BaseException)] == []
        engine = roots[0].engine
        assert await migrate.current_revision(engine) == migrate.head_revision()
        async with engine.connect() as conn:
            codes = (await conn.execute(select(Service.code))).scalars().all()
            assert codes and len(codes) == len(set(codes))  # seeded once
            assert await conn.scalar(select(func.count()).select_from(Service)) == len(codes)
    finally:
        for r in roots:
            await r.shutdown()

"""Seeding, the parsed-object cache (reloaded when another process edits a row), and the sweep job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app import wiring_sla
from core.db import utcnow
from core.sla import store
from core.sla.models import SlaCalendarRow, SlaPolicyRow


async def test_seed_adds_builtins_once_with_both_years(root) -> None:
    assert await store.seed(uow=root.uow()) == 0  # the startup hook already seeded
    async with root.session_factory() as s:
        codes = set((await s.scalars(select(SlaPolicyRow.code))).all())
        assert codes == {"nttm", "tecon", "omnichat", "crm-b2c", "clm"}
        msk = await s.get(SlaCalendarRow, "msk-business")
    year = utcnow().year
    assert any(d.startswith(f"{year}-") for d in msk.data["holidays"])
    assert any(d.startswith(f"{year + 1}-01-0") for d in msk.data["holidays"])


async def test_cache_reloads_when_a_row_changes_behind_its_back(root, monkeypatch) -> None:
    async with root.session_factory() as s:
        first = await store.catalog(s)
        row = await s.get(SlaCalendarRow, "msk-business")
        row.data = {**row.data, "hours": {"mon": [["10:00", "18:00"]]}}
        row.updated_at = utcnow() + timedelta(seconds=1)
        await s.commit()
        # within the recheck window the parsed catalog is trusted without asking the database
        assert await store.catalog(s) is first
        monkeypatch.setattr(store, "RECHECK_SECONDS", 0.0)
        first = await store.catalog(s)
        assert first.calendars["msk-business"].standard_workday() == timedelta(hours=8)
        assert await store.catalog(s) is first  # unchanged tables: no reload
        row = await s.get(SlaCalendarRow, "msk-business")
        # as another process would: no invalidate() in this one
        row.data = {**row.data, "hours": {"mon": [["09:00", "18:00"]]}}
        row.updated_at = utcnow() + timedelta(seconds=2)
        await s.commit()
        second = await store.catalog(s)
    assert second is not first
    assert second.calendars["msk-business"].standard_workday() == timedelta(hours=9)


async def test_sweep_job_is_one_coalesced_interval_job(root) -> None:
    assert wiring_sla._seed in root.startup_hooks
    wiring_sla._register(root)
    job = root.scheduler.get_job(wiring_sla.JOB_ID)
    assert job is not None and job.max_instances == 1 and job.coalesce is True
    assert job.trigger.interval == timedelta(seconds=root.settings.sla_sweep_seconds)
    assert await wiring_sla.run_sweep(root) == 0


async def test_a_new_year_adds_its_holidays_and_keeps_admin_edits(root) -> None:
    year = utcnow().year
    async with root.session_factory() as s:
        row = await s.get(SlaCalendarRow, "msk-business")
        row.data = {**row.data, "holidays": [*row.data["holidays"], f"{year}-12-30"]}  # an administrator's edit
        await s.commit()
    # a year later the next year's calendar is missing: the startup seed adds it
    assert await store.seed(uow=root.uow(), now=datetime(year + 1, 6, 1, tzinfo=UTC)) == 1
    assert await store.seed(uow=root.uow(), now=datetime(year + 1, 6, 1, tzinfo=UTC)) == 0
    async with root.session_factory() as s:
        holidays = (await s.get(SlaCalendarRow, "msk-business")).data["holidays"]
    assert f"{year}-12-30" in holidays
    assert f"{year + 2}-01-02" in holidays or f"{year + 2}-01-05" in holidays

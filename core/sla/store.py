"""Policies and calendars stored as rows, seeded from the built-ins, with a cache of parsed objects."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.sla.builtin import BUILTIN_POLICIES, builtin_calendars, current_and_next_year
from core.sla.calendar import BusinessCalendar
from core.sla.models import SlaCalendarRow, SlaPolicyRow
from core.sla.policy import Policy
from core.uow import UnitOfWork

log = logging.getLogger(__name__)
DEFAULT_POLICY = "nttm"


@dataclass(frozen=True, slots=True)
class Catalog:
    """Parsed policies and calendars at one version of the two tables."""

    version: tuple[Any, ...]
    policies: dict[str, Policy]
    calendars: dict[str, BusinessCalendar]

    def policy(self, code: str, calendar: str | None = None) -> Policy:
        """The policy `code`, its targets counted on `calendar` when given; an unknown code is refused.

        Services are validated against the stored policies and calendars when they are configured, so an
        unknown code here is a configuration gone wrong: it is named, not replaced by another policy.
        """
        found = self.policies.get(code)
        if found is None:
            raise ValidationFailed(f"SLA policy {code!r} is unknown",
                                   fields={"sla_policy": f"Политика SLA «{code}» не найдена"})
        if calendar is None:
            return found
        if calendar not in self.calendars:
            raise ValidationFailed(f"SLA calendar {calendar!r} is unknown",
                                   fields={"calendar": f"Календарь «{calendar}» не найден"})
        return found.on_calendar(calendar)


_cache: Catalog | None = None
_checked_at = 0.0
#: How long a parsed catalog is trusted before the version is read again. Edits made in this process
#: invalidate at once; another process's edit is seen within this many seconds. Without it every
#: registration paid two extra queries.
RECHECK_SECONDS = 2.0


def invalidate() -> None:
    """Drops the parsed objects; the next `catalog()` reloads them."""
    global _cache
    _cache = None


async def _version(session: AsyncSession) -> tuple[Any, ...]:
    # max(updated_at) and counts change on every write, also when another process made it
    row = (await session.execute(select(
        select(func.count()).select_from(SlaPolicyRow).scalar_subquery(),
        select(func.max(SlaPolicyRow.updated_at)).scalar_subquery(),
        select(func.count()).select_from(SlaCalendarRow).scalar_subquery(),
        select(func.max(SlaCalendarRow.updated_at)).scalar_subquery(),
    ))).one()
    return tuple(row)


async def catalog(session: AsyncSession) -> Catalog:
    """The parsed policies and calendars, reloaded only when the tables changed."""
    global _cache, _checked_at
    if _cache is not None and time.monotonic() - _checked_at < RECHECK_SECONDS:
        return _cache
    version = await _version(session)
    _checked_at = time.monotonic()
    if _cache is not None and _cache.version == version:
        return _cache
    pol_data = {r.code: r.data for r in (await session.scalars(select(SlaPolicyRow))).all()}
    cal_data = {r.code: r.data for r in (await session.scalars(select(SlaCalendarRow))).all()}
    if not pol_data or not cal_data:
        # tickets must still get a clock if seeding has not run yet (a bare script, a fresh test database)
        log.warning("SLA tables are empty; using the built-in policies and calendars")
        pol_data = pol_data or BUILTIN_POLICIES
        cal_data = cal_data or builtin_calendars(years=current_and_next_year(now=utcnow()))
    policies = {code: Policy.from_dict(d) for code, d in pol_data.items()}
    calendars = {code: BusinessCalendar.from_dict(d) for code, d in cal_data.items()}
    _cache = Catalog(version=version, policies=policies, calendars=calendars)
    return _cache


async def seed(*, uow: UnitOfWork, now: datetime | None = None) -> int:
    """Adds the built-in policies and calendars that are missing; returns how many were added."""
    try:
        return await _seed(uow, now or utcnow())
    except IntegrityError:
        # the bot and the API may start together: the other process inserted the same rows first
        log.info("SLA seed raced with another process; checking again")
        return await _seed(uow, now or utcnow())


async def _seed(uow: UnitOfWork, now: datetime) -> int:
    async with uow:
        added = 0
        have_pol = set((await uow.session.scalars(select(SlaPolicyRow.code))).all())
        for code, data in BUILTIN_POLICIES.items():
            if code not in have_pol:
                uow.session.add(SlaPolicyRow(code=code, data=data, updated_at=now))
                added += 1
        have_cal = {r.code: r for r in (await uow.session.scalars(select(SlaCalendarRow))).all()}
        years = current_and_next_year(now=now)
        for code, data in builtin_calendars(years=years).items():
            row = have_cal.get(code)
            if row is None:
                uow.session.add(SlaCalendarRow(code=code, data=data, updated_at=now))
                added += 1
            elif _extend_years(row, data, years, now):
                added += 1
        await uow.commit()
    invalidate()
    return added


def _extend_years(row: SlaCalendarRow, builtin: dict[str, Any], years: tuple[int, ...], now: datetime) -> bool:
    """Adds the built-in holidays of a year the stored calendar has none for (a new year began)."""
    stored = row.data.get("holidays") or []
    extra = dict(row.data.get("extra_workdays") or {})
    new_years = [y for y in years if not any(d.startswith(f"{y}-") for d in [*stored, *extra])]
    add = [d for d in builtin.get("holidays") or [] if int(d[:4]) in new_years]
    add_extra = {d: v for d, v in (builtin.get("extra_workdays") or {}).items() if int(d[:4]) in new_years}
    if not add and not add_extra:
        return False
    data = {**row.data, "holidays": sorted({*stored, *add})}
    if extra or add_extra:
        data["extra_workdays"] = dict(sorted({**extra, **add_extra}.items()))
    row.data, row.updated_at = data, now
    return True


def _row_dict(row: SlaPolicyRow | SlaCalendarRow) -> dict[str, Any]:
    return {"code": row.code, "data": row.data, "updated_at": row.updated_at.isoformat()}


async def list_policies(*, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every stored policy with its data."""
    async with uow:
        rows = (await uow.session.scalars(select(SlaPolicyRow).order_by(SlaPolicyRow.code))).all()
        return [_row_dict(r) for r in rows]


async def list_calendars(*, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every stored calendar with its data."""
    async with uow:
        rows = (await uow.session.scalars(select(SlaCalendarRow).order_by(SlaCalendarRow.code))).all()
        return [_row_dict(r) for r in rows]


async def get_policy(*, uow: UnitOfWork, code: str) -> dict[str, Any]:
    """One stored policy."""
    async with uow:
        row = await uow.session.get(SlaPolicyRow, code)
        if row is None:
            raise NotFound(f"SLA policy {code!r} not found")
        return _row_dict(row)


async def get_calendar(*, uow: UnitOfWork, code: str) -> dict[str, Any]:
    """One stored calendar."""
    async with uow:
        row = await uow.session.get(SlaCalendarRow, code)
        if row is None:
            raise NotFound(f"SLA calendar {code!r} not found")
        return _row_dict(row)


async def put_policy(*, uow: UnitOfWork, code: str, data: dict[str, Any],
                     now: datetime | None = None) -> dict[str, Any]:
    """Creates or replaces a policy after validating it and the calendars it names."""
    data = {**data, "code": code}
    try:
        policy = Policy.from_dict(data)
    except ValueError as exc:
        raise ValidationFailed(str(exc), fields={"priorities": f"Политика: {exc}"}) from exc
    async with uow:
        known = set((await uow.session.scalars(select(SlaCalendarRow.code))).all())
        missing = sorted(policy.calendar_codes() - known)
        if missing:
            raise ValidationFailed(f"unknown calendar(s) {missing}",
                                   fields={"calendar": f"Календарь: один из {', '.join(sorted(known))}"})
        row = await uow.session.get(SlaPolicyRow, code)
        if row is None:
            row = SlaPolicyRow(code=code)
            uow.session.add(row)
        row.data, row.updated_at = policy.to_dict(), now or utcnow()
        await uow.commit()
    invalidate()
    return _row_dict(row)


async def put_calendar(*, uow: UnitOfWork, code: str, data: dict[str, Any],
                       now: datetime | None = None) -> dict[str, Any]:
    """Creates or replaces a calendar (holidays, extra working days) after validating it."""
    try:
        cal = BusinessCalendar.from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValidationFailed(str(exc), fields={"calendar": f"Календарь: {exc}"}) from exc
    async with uow:
        row = await uow.session.get(SlaCalendarRow, code)
        if row is None:
            row = SlaCalendarRow(code=code)
            uow.session.add(row)
        row.data, row.updated_at = cal.to_dict(), now or utcnow()
        await uow.commit()
    invalidate()
    return _row_dict(row)

"""SLA policies as data, and the pure computation of target deadlines.

A policy maps priority 1–4 to targets (reaction, diagnosis, workaround, resolution),
each {"amount", "unit", "calendar", "from"}; "from" is "start" (the clock start) or
"previous" (the due instant of the nearest earlier target, the "+" of the regulation).
An optional "resolution_after_workaround" ({"from": "workaround" | "start"}) replaces
the resolution target once a workaround has been given.

Units: "minutes"/"hours" are elapsed time (the calendar is not used, pauses are);
"working_hours" is working time on the calendar; "working_days" is amount × the
calendar's standard working day, as working time; "calendar_months" runs to the same
local day and time (calendar's zone) months later, day clamped to the month's end,
then moved on by the paused time in between.
"""

from __future__ import annotations

import calendar as _stdcal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from core.sla.calendar import DAYS, BusinessCalendar, Pause

TARGETS = ("reaction", "diagnosis", "workaround", "resolution")
AFTER_WORKAROUND = "resolution_after_workaround"
UNITS = ("minutes", "hours", "working_hours", "working_days", "calendar_months")
_ELAPSED = BusinessCalendar.from_dict({"tz": "UTC", "hours": {d: [["00:00", "24:00"]] for d in DAYS}})


@dataclass(frozen=True, slots=True)
class Target:
    """One SLA target: `amount` `unit` on calendar `calendar`, counted from `start_from`."""

    amount: float
    unit: str
    calendar: str
    start_from: str = "start"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str, allowed_from: tuple[str, ...]) -> Target:
        """Validate and build one target dict."""
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: expected a dict")
        unknown = set(data) - {"amount", "unit", "calendar", "from"}
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")
        amount, unit = data.get("amount"), data.get("unit")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
            raise ValueError(f"{where}: amount must be a positive number, got {amount!r}")
        if unit not in UNITS:
            raise ValueError(f"{where}: unit must be one of {UNITS}, got {unit!r}")
        if unit == "calendar_months" and not isinstance(amount, int):
            raise ValueError(f"{where}: calendar_months needs a whole number, got {amount!r}")
        cal = data.get("calendar")
        if not isinstance(cal, str) or not cal:
            raise ValueError(f"{where}: 'calendar' code is required")
        start_from = data.get("from", "start")
        if start_from not in allowed_from:
            raise ValueError(f"{where}: 'from' must be one of {allowed_from}, got {start_from!r}")
        return cls(amount=amount, unit=unit, calendar=cal, start_from=start_from)

    def to_dict(self) -> dict[str, Any]:
        """Inverse of `from_dict`."""
        return {"amount": self.amount, "unit": self.unit, "calendar": self.calendar, "from": self.start_from}


@dataclass(frozen=True, slots=True)
class Policy:
    """A named set of targets per priority (1 = most urgent)."""

    code: str
    name: str
    priorities: Mapping[int, Mapping[str, Target]]
    description: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Validate {"code", "name", "priorities": {"1": {"reaction": {...}, ...}}}."""
        code = data.get("code")
        if not isinstance(code, str) or not code:
            raise ValueError("policy needs a non-empty 'code'")
        raw = data.get("priorities")
        if not isinstance(raw, Mapping) or not raw:
            raise ValueError(f"policy {code}: 'priorities' must be a non-empty dict")
        priorities: dict[int, dict[str, Target]] = {}
        for key, targets in raw.items():
            prio = int(key) if str(key).isdigit() else 0
            if prio not in (1, 2, 3, 4):
                raise ValueError(f"policy {code}: priority must be 1..4, got {key!r}")
            if not isinstance(targets, Mapping):
                raise ValueError(f"policy {code} P{prio}: expected a dict of targets")
            unknown = set(targets) - {*TARGETS, AFTER_WORKAROUND}
            if unknown:
                raise ValueError(f"policy {code} P{prio}: unknown target(s) {sorted(unknown)}")
            parsed: dict[str, Target] = {}
            for name in TARGETS:
                if name in targets:
                    allowed = ("start", "previous") if parsed else ("start",)
                    where = f"policy {code} P{prio} {name}"
                    parsed[name] = Target.from_dict(targets[name], where=where, allowed_from=allowed)
            if AFTER_WORKAROUND in targets:
                where = f"policy {code} P{prio} {AFTER_WORKAROUND}"
                parsed[AFTER_WORKAROUND] = Target.from_dict(
                    targets[AFTER_WORKAROUND], where=where, allowed_from=("workaround", "start")
                )
            priorities[prio] = parsed
        missing = [p for p in (1, 2, 3, 4) if p not in priorities]
        if missing:
            # a ticket of a missing priority would silently get another priority's targets
            raise ValueError(f"policy {code}: priority {', '.join(map(str, missing))} is missing")
        return cls(code=code, name=str(data.get("name") or code), priorities=priorities,
                   description=str(data.get("description") or ""))

    def to_dict(self) -> dict[str, Any]:
        """Inverse of `from_dict` (priority keys as strings, JSON-friendly)."""
        return {
            "code": self.code,
            "name": self.name,
            **({"description": self.description} if self.description else {}),
            "priorities": {
                str(p): {n: t.to_dict() for n, t in targets.items()}
                for p, targets in sorted(self.priorities.items())
            },
        }

    def on_calendar(self, calendar: str) -> Policy:
        """The same targets counted on one calendar (a service's working calendar)."""
        return replace(self, priorities={p: {n: replace(t, calendar=calendar) for n, t in targets.items()}
                                         for p, targets in self.priorities.items()})

    def calendar_codes(self) -> set[str]:
        """Calendar codes this policy refers to."""
        return {t.calendar for targets in self.priorities.values() for t in targets.values()}


@dataclass(frozen=True, slots=True)
class TargetSpan:
    """What a target's clock runs on: `duration` of `calendar` time from `start`, due at `due`."""

    calendar: BusinessCalendar
    start: datetime
    duration: timedelta
    due: datetime


def _add_months(moment: datetime, months: int, tz: Any) -> datetime:
    local = moment.astimezone(tz)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, _stdcal.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def _span(target: Target, calendars: Mapping[str, BusinessCalendar], start: datetime,
          pauses: tuple[Pause, ...]) -> TargetSpan:
    cal = calendars.get(target.calendar)
    if cal is None:
        raise ValueError(f"calendar {target.calendar!r} is not among the given calendars {sorted(calendars)}")
    if target.unit in ("minutes", "hours"):
        cal, duration = _ELAPSED, timedelta(**{target.unit: target.amount})
    elif target.unit == "working_hours":
        duration = timedelta(hours=target.amount)
    elif target.unit == "working_days":
        duration = cal.standard_workday() * target.amount
    else:
        cal, duration = _ELAPSED, _add_months(start, int(target.amount), cal.tz) - start
    return TargetSpan(calendar=cal, start=start, duration=duration,
                      due=cal.add_working_time(start, duration, pauses))


def compute_spans(
    *,
    policy: Policy,
    priority: int,
    calendars: Mapping[str, BusinessCalendar],
    started_at: datetime,
    pauses: Iterable[Pause] = (),
    workaround_at: datetime | None = None,
) -> dict[str, TargetSpan | None]:
    """Per target the span its clock runs on (None when the policy has no such target)."""
    if priority not in policy.priorities:
        raise ValueError(f"policy {policy.code} has no priority {priority}")
    targets, frozen = policy.priorities[priority], tuple(pauses)
    out: dict[str, TargetSpan | None] = {}
    previous: datetime | None = None
    for name in TARGETS:
        target = targets.get(name)
        if name == "resolution" and workaround_at is not None and AFTER_WORKAROUND in targets:
            target = targets[AFTER_WORKAROUND]
        if target is None:
            out[name] = None
            continue
        base = {"start": started_at, "previous": previous, "workaround": workaround_at}[target.start_from]
        assert base is not None  # validation forbids "previous" on the first target
        out[name] = span = _span(target, calendars, base, frozen)
        previous = span.due
    return out


def compute_due(
    *,
    policy: Policy,
    priority: int,
    calendars: Mapping[str, BusinessCalendar],
    started_at: datetime,
    pauses: Iterable[Pause] = (),
    workaround_at: datetime | None = None,
) -> dict[str, datetime | None]:
    """Due instants (UTC) of "reaction", "diagnosis", "workaround", "resolution"."""
    spans = compute_spans(policy=policy, priority=priority, calendars=calendars, started_at=started_at,
                          pauses=pauses, workaround_at=workaround_at)
    return {name: span.due if span else None for name, span in spans.items()}


def warn_at(
    *,
    calendar: BusinessCalendar,
    span_start: datetime,
    duration: timedelta,
    pauses: Iterable[Pause] = (),
    fraction: float = 0.75,
) -> datetime:
    """Instant when `fraction` of a target's time (on its span's calendar) has been used."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be within [0, 1], got {fraction}")
    return calendar.add_working_time(span_start, duration * fraction, pauses)


def used_fraction(
    *,
    calendar: BusinessCalendar,
    span_start: datetime,
    duration: timedelta,
    at: datetime,
    pauses: Iterable[Pause] = (),
) -> float:
    """Share of a target's time used by `at` (0 before the span starts; may exceed 1)."""
    if at <= span_start:
        return 0.0
    return calendar.working_time_between(span_start, at, pauses) / duration

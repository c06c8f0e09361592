"""Business calendars: working-time arithmetic on absolute instants.

A calendar is a weekly pattern of local wall-clock working intervals, a set of
holidays (dates not worked) and optional extra workdays (dates worked with their
own intervals, e.g. a Saturday worked instead of a holiday). Every local interval
is converted once to absolute UTC instants (in integer microseconds), per local
year, with a running total of working time; a deadline is then a binary search,
so the cost does not depend on how far away the deadline is.

DST: a working interval covers the instants whose local wall time lies in it.
A non-existent local time (spring gap) maps to the transition instant, so the
skipped hour is not counted; a repeated hour (autumn) is counted once per real
elapsed hour (an interval starts at the first occurrence of its start time and
ends at the last occurrence of its end time).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")
_FULL_DAY = ((0, 1440),)
#: A search gives up after this many consecutive local years without working time.
MAX_EMPTY_YEARS = 10

Pause = tuple[datetime, datetime]
Intervals = tuple[tuple[int, int], ...]


def _to_us(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime not allowed: {moment!r} (pass a timezone-aware datetime)")
    return (moment - _EPOCH) // _US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _parse_minute(text: str, *, allow_24: bool) -> int:
    match = _HHMM.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"bad time {text!r}: expected 'HH:MM'")
    hours, minutes = int(match[1]), int(match[2])
    total = hours * 60 + minutes
    if minutes > 59 or total > 1440 or (total == 1440 and not allow_24):
        raise ValueError(f"bad time {text!r}: out of range" + ("" if allow_24 else " for a start"))
    return total


def _fmt_minute(total: int) -> str:
    return f"{total // 60:02d}:{total % 60:02d}"


def _parse_intervals(raw: Any, where: str) -> Intervals:
    if not isinstance(raw, list | tuple):
        raise ValueError(f"{where}: expected a list of [start, end] pairs")
    parsed = []
    for pair in raw:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f"{where}: expected [start, end], got {pair!r}")
        start, end = _parse_minute(pair[0], allow_24=False), _parse_minute(pair[1], allow_24=True)
        if end <= start:
            raise ValueError(f"{where}: end {pair[1]} must be after start {pair[0]}")
        parsed.append((start, end))
    parsed.sort()
    for (_, prev_end), (start, _) in pairwise(parsed):
        if start < prev_end:
            raise ValueError(f"{where}: intervals overlap at {_fmt_minute(start)}")
    return tuple(parsed)


def _local_instant(day: date, minute: int, tz: ZoneInfo, *, is_end: bool) -> int:
    """UTC microseconds of local wall time `minute` on `day` (see module docstring for DST)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    first = _to_us(wall.replace(tzinfo=tz, fold=0))
    second = _to_us(wall.replace(tzinfo=tz, fold=1))
    if first == second:
        return first
    lo, hi = min(first, second), max(first, second)
    exists = [c for c in (lo, hi) if _from_us(c).astimezone(tz).replace(tzinfo=None) == wall]
    if exists:  # repeated hour: first occurrence for a start, last for an end
        return exists[-1] if is_end else exists[0]
    # Gap: binary-search the transition (a whole second), the first instant past `wall`.
    lo_s, hi_s = lo // 1_000_000, -(-hi // 1_000_000)
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if _from_us(mid * 1_000_000).astimezone(tz).replace(tzinfo=None) >= wall:
            hi_s = mid
        else:
            lo_s = mid
    return hi_s * 1_000_000


class _Year:
    """Absolute working intervals of one local year with cumulative working time."""

    __slots__ = ("cum_end", "ends", "starts", "total")

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self.starts, self.ends = starts, ends
        running, cum = 0, []
        for start, end in zip(starts, ends, strict=True):
            running += end - start
            cum.append(running)
        self.cum_end, self.total = cum, running

    def worked_before(self, us: int) -> int:
        i = bisect_right(self.starts, us) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum_end[i] - (end - us if us < end else 0)

    def instant_at(self, worked: int) -> int:
        """Earliest instant at which `worked` (0 < worked <= total) working time is reached."""
        j = bisect_left(self.cum_end, worked)
        return self.ends[j] - (self.cum_end[j] - worked)


class BusinessCalendar:
    """Working time in one time zone; build with `from_dict`, serialise with `to_dict`."""

    def __init__(
        self,
        *,
        tz: str,
        hours: Mapping[str, Intervals],
        holidays: Iterable[date] = (),
        extra_workdays: Mapping[date, Intervals] | None = None,
    ) -> None:
        try:
            self.tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        self.tz_name = tz
        self.weekly: tuple[Intervals, ...] = tuple(tuple(hours.get(d, ())) for d in DAYS)
        self.holidays = frozenset(holidays)
        self.extra_workdays = dict(extra_workdays or {})
        if not any(self.weekly) and not any(self.extra_workdays.values()):
            raise ValueError("calendar has no working time at all: give 'hours' for at least one day")
        # 24x7: working time equals elapsed time, whatever the zone or DST
        self.continuous = (
            all(day == _FULL_DAY for day in self.weekly)
            and not self.holidays
            and all(iv == _FULL_DAY for iv in self.extra_workdays.values())
        )
        self._years: dict[int, _Year] = {}
        self._year_starts: dict[int, int] = {}

    # -- (de)serialisation ---------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build from {"tz", "hours": {"mon": [["05:00", "18:00"]]}, "holidays", "extra_workdays"}."""
        if not isinstance(data, Mapping) or "tz" not in data:
            raise ValueError("calendar dict needs a 'tz'")
        raw_hours = data.get("hours") or {}
        unknown = set(raw_hours) - set(DAYS)
        if unknown:
            raise ValueError(f"unknown day(s) in hours: {sorted(unknown)}; use {', '.join(DAYS)}")
        hours = {d: _parse_intervals(raw_hours[d], f"hours.{d}") for d in raw_hours}
        try:
            holidays = [date.fromisoformat(d) for d in data.get("holidays") or ()]
            extra = {
                date.fromisoformat(d): _parse_intervals(v, f"extra_workdays.{d}")
                for d, v in (data.get("extra_workdays") or {}).items()
            }
        except (TypeError, ValueError) as exc:
            raise ValueError(f"bad date in calendar: {exc}") from exc
        return cls(tz=data["tz"], hours=hours, holidays=holidays, extra_workdays=extra)

    def to_dict(self) -> dict[str, Any]:
        """Inverse of `from_dict`; 'extra_workdays' is present only when non-empty."""
        def fmt(intervals: Intervals) -> list[list[str]]:
            return [[_fmt_minute(s), _fmt_minute(e)] for s, e in intervals]

        out: dict[str, Any] = {
            "tz": self.tz_name,
            "hours": {d: fmt(iv) for d, iv in zip(DAYS, self.weekly, strict=True) if iv},
            "holidays": sorted(d.isoformat() for d in self.holidays),
        }
        if self.extra_workdays:
            out["extra_workdays"] = {d.isoformat(): fmt(iv) for d, iv in sorted(self.extra_workdays.items())}
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BusinessCalendar) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.tz_name, self.weekly, self.holidays))

    def __repr__(self) -> str:
        return f"BusinessCalendar(tz={self.tz_name!r}, weekly={self.weekly!r}, holidays={len(self.holidays)})"

    # -- queries ---------------------------------------------------------------
    def day_intervals(self, day: date) -> Intervals:
        """Local (start_minute, end_minute) working intervals of a date."""
        if day in self.extra_workdays:
            return self.extra_workdays[day]
        if day in self.holidays:
            return ()
        return self.weekly[day.weekday()]

    def standard_workday(self) -> timedelta:
        """Working time of the most common non-empty weekday pattern (the longest on a tie)."""
        lengths = [sum(e - s for s, e in day) for day in self.weekly if day]
        if not lengths:
            lengths = [sum(e - s for s, e in iv) for iv in self.extra_workdays.values() if iv]
        best = max(set(lengths), key=lambda m: (lengths.count(m), m))
        return timedelta(minutes=best)

    def add_working_time(
        self, start: datetime, duration: timedelta, pauses: Iterable[Pause] = ()
    ) -> datetime:
        """Deadline (UTC) after `duration` of working time from `start`, skipping `pauses`.

        Zero duration returns `start` unchanged, even outside working time (nothing is
        owed yet). If the working time ends exactly at a closing time, that closing time
        is returned. A start outside working time counts from the next opening.
        """
        cursor, remaining = _to_us(start), duration // _US
        if remaining < 0:
            raise ValueError("duration must not be negative")
        if remaining == 0:
            return start
        for p_start, p_end in _merge(pauses):
            if p_end <= cursor:
                continue
            if p_start >= self._add(cursor, remaining):
                break
            if p_start > cursor:
                remaining -= self._between(cursor, p_start)
            cursor = p_end
        return _from_us(self._add(cursor, remaining))

    def working_time_between(
        self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
    ) -> timedelta:
        """Working time in [start, end) outside `pauses`; ValueError if end < start."""
        a, b = _to_us(start), _to_us(end)
        if b < a:
            raise ValueError(f"end {end} is before start {start}")
        total = self._between(a, b)
        for p_start, p_end in _merge(pauses):
            lo, hi = max(p_start, a), min(p_end, b)
            if lo < hi:
                total -= self._between(lo, hi)
        return timedelta(microseconds=total)

    # -- internals -------------------------------------------------------------
    def _year_start(self, year: int) -> int:
        us = self._year_starts.get(year)
        if us is None:
            us = self._year_starts[year] = _local_instant(date(year, 1, 1), 0, self.tz, is_end=False)
        return us

    def _year_of(self, us: int) -> int:
        year = 1970 + int(us // 31_556_952_000_000)
        while us < self._year_start(year):
            year -= 1
        while us >= self._year_start(year + 1):
            year += 1
        return year

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            if len(self._years) > 64:  # bound memory for callers sweeping many years
                self._years.clear()
            starts: list[int] = []
            ends: list[int] = []
            day, one = date(year, 1, 1), timedelta(days=1)
            while day.year == year:
                for s, e in self.day_intervals(day):
                    lo = _local_instant(day, s, self.tz, is_end=False)
                    hi = _local_instant(day, e, self.tz, is_end=True)
                    if hi > lo:
                        starts.append(lo)
                        ends.append(hi)
                day += one
            table = self._years[year] = _Year(starts, ends)
        return table

    def _add(self, cursor: int, remaining: int) -> int:
        if self.continuous:
            return cursor + remaining
        year = self._year_of(cursor)
        table = self._year(year)
        target = table.worked_before(cursor) + remaining
        empty = 0
        while target > table.total:
            remaining = target - table.total
            empty = empty + 1 if table.total == 0 else 0
            if empty > MAX_EMPTY_YEARS:
                raise ValueError(f"no working time in the calendar for {MAX_EMPTY_YEARS} years after {year}")
            year += 1
            table = self._year(year)
            target = remaining
        return table.instant_at(target)

    def _between(self, a: int, b: int) -> int:
        if self.continuous:
            return b - a
        ya, yb = self._year_of(a), self._year_of(b)
        if ya == yb:
            table = self._year(ya)
            return table.worked_before(b) - table.worked_before(a)
        first = self._year(ya)
        total = first.total - first.worked_before(a)
        for year in range(ya + 1, yb):
            total += self._year(year).total
        return total + self._year(yb).worked_before(b)


def _merge(pauses: Iterable[Pause]) -> list[tuple[int, int]]:
    """Sorted, merged pause intervals in microseconds; empty or inverted pauses are dropped."""
    spans = sorted((_to_us(a), _to_us(b)) for a, b in pauses)
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged

"""Throughput of BusinessCalendar.add_working_time: python bench/sla_calendar.py."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from core.sla import BusinessCalendar, builtin_calendars

N = 100_000


def _starts(count: int, seed: int = 7) -> list[datetime]:
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return [base + timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(count)]


def _rate(cal: BusinessCalendar, duration: timedelta, starts: list[datetime]) -> float:
    for s in starts[:1000]:  # warm the per-year tables, as a long-running process would be
        cal.add_working_time(s, duration)
    began = time.perf_counter()
    for s in starts:
        cal.add_working_time(s, duration)
    return len(starts) / (time.perf_counter() - began)


def main() -> None:
    """Print calls/s for the shipped calendars."""
    dicts = builtin_calendars(years=(2026, 2027))
    msk, h24 = BusinessCalendar.from_dict(dicts["msk-business"]), BusinessCalendar.from_dict(dicts["24x7"])
    day = msk.standard_workday()
    starts = _starts(N)
    cases = [
        ("msk-business, 5 working days", msk, day * 5),
        ("24x7, 5 days", h24, timedelta(days=5)),
        ("msk-business, 200 working days", msk, day * 200),
        ("msk-business, 1 working hour", msk, timedelta(hours=1)),
    ]
    for label, cal, duration in cases:
        print(f"{label:34s} {_rate(cal, duration, starts):>12,.0f} calls/s  ({N:,} random starts in 2026)")
    pauses = [(s + timedelta(hours=1), s + timedelta(hours=30)) for s in starts]
    began = time.perf_counter()
    for s, p in zip(starts, pauses, strict=True):
        msk.add_working_time(s, day * 5, [p])
    print(f"{'msk-business, 5 wd, one pause':34s} {N / (time.perf_counter() - began):>12,.0f} calls/s")


if __name__ == "__main__":
    main()

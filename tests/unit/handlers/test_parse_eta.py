"""The times line 1 types in /outage and /works (handlers.line1_steps.parse_eta)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers.line1_steps import parse_eta

MSK = ZoneInfo("Europe/Moscow")


def _at(text: str, now: datetime) -> str | None:
    at = parse_eta(text, now=now, tz=MSK)
    return at.strftime("%d.%m.%Y %H:%M") if at is not None else None


def test_a_day_typed_without_a_year_in_december_was_read_as_the_past_january() -> None:
    dec = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
    assert _at("01.01 03:00", dec) == "01.01.2027 03:00"
    assert _at("15.06 10:00", dec) == "15.06.2027 10:00"  # nearer ahead than behind
    assert _at("03.12 09:00", dec) == "03.12.2026 09:00"  # four weeks ago stays this year (then refused as past)
    jan = datetime(2027, 1, 2, 8, 0, tzinfo=UTC)
    assert _at("31.12 23:30", jan) == "31.12.2026 23:30"  # two days ago, not next December


def test_the_other_forms_are_read_as_before() -> None:
    now = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 18:00 in Moscow
    assert _at("18:30", now) == "03.12.2026 18:30"
    assert _at("17:00", now) == "04.12.2026 17:00"  # past today: tomorrow
    assert _at("10.01.2026  09:00", now) == "10.01.2026 09:00"  # a year typed is kept
    assert _at("29.02 10:00", now) is None and _at("завтра", now) is None

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.sla import BusinessCalendar, builtin_calendars, current_and_next_year, standard_workday

MSK = ZoneInfo("Europe/Moscow")
DICTS = builtin_calendars(years=(2026, 2027))
CAL = BusinessCalendar.from_dict(DICTS["msk-business"])


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def test_known_holidays_are_days_off() -> None:
    # Fri 2026-06-12 (День России) and Tue 2027-02-23 (День защитника Отечества) are holidays
    assert {"2026-06-12", "2027-02-23"} <= set(DICTS["msk-business"]["holidays"])
    assert CAL.working_time_between(msk(2026, 6, 12), msk(2026, 6, 13)) == timedelta(0)
    # Thu 2026-06-11 17:00 + 2 h: 1 h Thu, Fri 12th off, weekend, Mon 15th 05:00 + 1 h -> 06:00
    assert CAL.add_working_time(msk(2026, 6, 11, 17), timedelta(hours=2)) == msk(2026, 6, 15, 6)


def test_transferred_working_saturday_2027() -> None:
    # The library moves the day off of Sat 2027-02-20 to Mon 2027-02-22, so Saturday is worked
    assert DICTS["msk-business"]["extra_workdays"] == {"2027-02-20": [["05:00", "18:00"]]}
    # Sat 17:00 + 2 h: 1 h Sat, Sun off, Mon 22 (moved day off), Tue 23 (holiday), Wed 24 05:00 + 1 h
    assert CAL.add_working_time(msk(2027, 2, 20, 17), timedelta(hours=2)) == msk(2027, 2, 24, 6)


def test_no_worked_weekend_in_2026() -> None:
    # 2026 moves days off from Sat 01-03 and Sun 01-04, which are New Year holidays themselves
    assert "extra_workdays" not in builtin_calendars(years=[2026])["msk-business"]


def test_standard_workday() -> None:
    assert standard_workday(DICTS["msk-business"]) == timedelta(hours=13)
    assert standard_workday(DICTS["24x7"]) == timedelta(hours=24)


def test_24x7_dict_is_continuous() -> None:
    cal = BusinessCalendar.from_dict(DICTS["24x7"])
    assert cal.continuous
    assert cal.add_working_time(msk(2026, 1, 1), timedelta(days=3)) == msk(2026, 1, 4)


def test_current_and_next_year() -> None:
    assert current_and_next_year(now=msk(2026, 11, 22)) == (2026, 2027)

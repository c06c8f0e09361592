from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.sla import BusinessCalendar

MSK = ZoneInfo("Europe/Moscow")
BER = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def business(**extra: object) -> BusinessCalendar:
    return BusinessCalendar.from_dict(
        {"tz": "Europe/Moscow", "hours": {d: [["05:00", "18:00"]] for d in WEEKDAYS}} | extra
    )


def test_within_one_day() -> None:
    # Wed 2026-11-18 10:00 + 5 h, all inside 05:00–18:00 -> 15:00
    assert business().add_working_time(msk(2026, 11, 18, 10), timedelta(hours=5)) == msk(2026, 11, 18, 15)


def test_rolls_over_night_and_weekend() -> None:
    # Fri 2026-11-20 17:00: 1 h left on Friday, 2 h more from Monday 05:00 -> Mon 07:00
    cal = business()
    assert cal.add_working_time(msk(2026, 11, 20, 17), timedelta(hours=3)) == msk(2026, 11, 23, 7)


def test_exact_closing_time_is_the_deadline() -> None:
    # Thu 2026-11-19 17:00 + 1 h ends exactly at 18:00, not at Friday's 05:00
    assert business().add_working_time(msk(2026, 11, 19, 17), timedelta(hours=1)) == msk(2026, 11, 19, 18)


def test_start_outside_hours_counts_from_next_opening() -> None:
    cal = business()
    # Sat 2026-11-21 12:00 -> opening Mon 05:00, + 2 h -> 07:00
    assert cal.add_working_time(msk(2026, 11, 21, 12), timedelta(hours=2)) == msk(2026, 11, 23, 7)
    # Tue 03:00 (before opening) -> 05:00 + 30 min
    assert cal.add_working_time(msk(2026, 11, 24, 3), timedelta(minutes=30)) == msk(2026, 11, 24, 5, 30)
    assert cal.working_time_between(msk(2026, 11, 21, 12), msk(2026, 11, 23, 7)) == timedelta(hours=2)


def test_holiday_skipped() -> None:
    # Wed 2026-11-04 is a holiday: Tue 17:00 + 2 h -> 1 h Tue, Wed off, Thu 05:00 + 1 h = 06:00
    cal = business(holidays=["2026-11-04"])
    assert cal.add_working_time(msk(2026, 11, 3, 17), timedelta(hours=2)) == msk(2026, 11, 5, 6)


def test_extra_workday_counts() -> None:
    # Sat 2027-02-20 worked: Fri 17:00 + 2 h -> 1 h Fri, Sat 05:00 + 1 h = 06:00
    cal = business(extra_workdays={"2027-02-20": [["05:00", "18:00"]]})
    assert cal.add_working_time(msk(2027, 2, 19, 17), timedelta(hours=2)) == msk(2027, 2, 20, 6)


def test_lunch_break() -> None:
    cal = BusinessCalendar.from_dict(
        {"tz": "Europe/Moscow", "hours": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]]}}
    )
    # Mon 2026-11-23 12:00 + 2 h: 1 h before lunch, lunch 13–14, 1 h after -> 15:00
    assert cal.add_working_time(msk(2026, 11, 23, 12), timedelta(hours=2)) == msk(2026, 11, 23, 15)
    # ending exactly at lunch start is the deadline, not 14:00
    assert cal.add_working_time(msk(2026, 11, 23, 12), timedelta(hours=1)) == msk(2026, 11, 23, 13)
    assert cal.working_time_between(msk(2026, 11, 23, 0), msk(2026, 11, 24, 0)) == timedelta(hours=8)


def test_multi_week_span() -> None:
    # Mon 2026-11-02 05:00, holiday Wed 11-04. 13 h/day; 20 working days = 260 h.
    # Working days from 11-02: Nov 2,3,5,6 (4), 9–13 (9), 16–20 (14), 23–27 (19), Mon 30 (20)
    # -> the 20th working day ends Mon 2026-11-30 18:00
    cal = business(holidays=["2026-11-04"])
    start = msk(2026, 11, 2, 5)
    assert cal.add_working_time(start, timedelta(hours=260)) == msk(2026, 11, 30, 18)
    assert cal.working_time_between(start, msk(2026, 11, 30, 18)) == timedelta(hours=260)


def test_spans_year_boundary() -> None:
    # Thu 2026-12-31 17:00 + 2 h: 1 h on 31st, then Fri 2027-01-01 05:00 + 1 h
    assert business().add_working_time(msk(2026, 12, 31, 17), timedelta(hours=2)) == msk(2027, 1, 1, 6)


def test_dst_spring_forward_berlin() -> None:
    # 2026-03-29 (Sun) Berlin: 02:00 -> 03:00. Working 00:00–06:00 has only 5 real hours.
    cal = BusinessCalendar.from_dict({"tz": "Europe/Berlin", "hours": {"sun": [["00:00", "06:00"]]}})
    day = datetime(2026, 3, 29, tzinfo=BER)
    assert cal.working_time_between(day, day + timedelta(days=1)) == timedelta(hours=5)
    # 00:00–02:00 CET gives 2 h, the clock jumps to 03:00 CEST, 1 h more -> 04:00 CEST
    assert cal.add_working_time(day, timedelta(hours=3)) == datetime(2026, 3, 29, 4, tzinfo=BER)


def test_dst_fall_back_berlin() -> None:
    # 2026-10-25 (Sun) Berlin: 03:00 CEST -> 02:00 CET. Working 00:00–06:00 has 7 real hours.
    cal = BusinessCalendar.from_dict({"tz": "Europe/Berlin", "hours": {"sun": [["00:00", "06:00"]]}})
    day = datetime(2026, 10, 25, tzinfo=BER)
    assert cal.working_time_between(day, day + timedelta(days=1)) == timedelta(hours=7)
    # 00:00 CEST = 22:00 UTC (Sat); + 4 h = 02:00 UTC = 03:00 CET
    assert cal.add_working_time(day, timedelta(hours=4)) == datetime(2026, 10, 25, 2, tzinfo=ZoneInfo("UTC"))


def test_dst_interval_edges_in_gap_and_repeat() -> None:
    cal = BusinessCalendar.from_dict({"tz": "Europe/Berlin", "hours": {"sun": [["02:30", "05:00"]]}})
    # spring: 02:30 does not exist, the interval starts at the jump (03:00 CEST) -> 2 h
    spring = datetime(2026, 3, 29, tzinfo=BER)
    assert cal.working_time_between(spring, spring + timedelta(days=1)) == timedelta(hours=2)
    # autumn: from the first 02:30 (CEST, 00:30 UTC) to 05:00 CET (04:00 UTC) -> 3.5 h
    autumn = datetime(2026, 10, 25, tzinfo=BER)
    assert cal.working_time_between(autumn, autumn + timedelta(days=1)) == timedelta(hours=3, minutes=30)


def test_single_pause() -> None:
    # Wed 10:00 + 5 h with a pause 11:00–12:00 -> 16:00
    cal, p = business(), (msk(2026, 11, 18, 11), msk(2026, 11, 18, 12))
    assert cal.add_working_time(msk(2026, 11, 18, 10), timedelta(hours=5), pauses=[p]) == msk(
        2026, 11, 18, 16
    )
    assert cal.working_time_between(msk(2026, 11, 18, 10), msk(2026, 11, 18, 16), pauses=[p]) == timedelta(
        hours=5
    )


def test_overlapping_pauses_and_pause_outside_hours() -> None:
    # pauses 11:00–12:00 and 11:30–12:30 merge into 11:00–12:30; 20:00–22:00 is outside hours anyway
    cal = business()
    pauses = [
        (msk(2026, 11, 18, 11, 30), msk(2026, 11, 18, 12, 30)),
        (msk(2026, 11, 18, 11), msk(2026, 11, 18, 12)),
        (msk(2026, 11, 18, 20), msk(2026, 11, 18, 22)),
    ]
    # Wed 10:00 + 5 h: 10–11 (1 h), 12:30–16:30 (4 h) -> 16:30
    assert cal.add_working_time(msk(2026, 11, 18, 10), timedelta(hours=5), pauses) == msk(
        2026, 11, 18, 16, 30
    )


def test_pause_spanning_weekend() -> None:
    # Fri 2026-11-20 16:00 + 3 h; pause Fri 17:00 -> Mon 2026-11-23 07:00.
    # 1 h Fri (16–17), then from Mon 07:00 2 h -> 09:00
    cal, p = business(), (msk(2026, 11, 20, 17), msk(2026, 11, 23, 7))
    assert cal.add_working_time(msk(2026, 11, 20, 16), timedelta(hours=3), [p]) == msk(2026, 11, 23, 9)


def test_zero_duration_returns_start() -> None:
    sat = msk(2026, 11, 21, 12)
    assert business().add_working_time(sat, timedelta(0)) is sat


def test_naive_datetime_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        business().add_working_time(datetime(2026, 11, 18, 10), timedelta(hours=1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        business().working_time_between(msk(2026, 11, 18), datetime(2026, 11, 19))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tz": "UTC", "hours": {}}, "no working time"),
        ({"tz": "UTC", "hours": {"mon": [["9:00", "18:00"]]}}, "bad time"),
        ({"tz": "UTC", "hours": {"mon": [["09:00", "25:00"]]}}, "out of range"),
        ({"tz": "UTC", "hours": {"mon": [["18:00", "09:00"]]}}, "must be after"),
        ({"tz": "UTC", "hours": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "overlap"),
        ({"tz": "UTC", "hours": {"monday": [["09:00", "18:00"]]}}, "unknown day"),
        ({"tz": "Mars/Base", "hours": {"mon": [["09:00", "18:00"]]}}, "unknown time zone"),
        ({"tz": "UTC", "hours": {"mon": [["09:00", "18:00"]]}, "holidays": ["2026-13-01"]}, "bad date"),
    ],
)
def test_invalid_calendars_refused(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_dict(data)


def test_only_holidays_ahead_does_not_loop_forever() -> None:
    cal = BusinessCalendar.from_dict(
        {"tz": "UTC", "hours": {}, "extra_workdays": {"2026-11-21": [["09:00", "10:00"]]}}
    )
    start = datetime(2026, 11, 21, 9, tzinfo=ZoneInfo("UTC"))
    assert cal.add_working_time(start, timedelta(hours=1)) == start + timedelta(hours=1)
    with pytest.raises(ValueError, match="no working time"):
        cal.add_working_time(start, timedelta(hours=2))


def test_round_trip_and_24_00() -> None:
    data = {
        "tz": "Europe/Moscow",
        "hours": {"mon": [["05:00", "12:00"], ["13:00", "24:00"]], "sat": [["10:00", "14:00"]]},
        "holidays": ["2026-01-01", "2026-01-02"],
        "extra_workdays": {"2027-02-20": [["05:00", "18:00"]]},
    }
    cal = BusinessCalendar.from_dict(data)
    assert cal.to_dict() == data
    assert BusinessCalendar.from_dict(cal.to_dict()) == cal
    # Mon 2026-11-23 23:00 + 1 h ends at 24:00 = Tue 00:00
    assert cal.add_working_time(msk(2026, 11, 23, 23), timedelta(hours=1)) == msk(2026, 11, 24)


def test_24x7_is_elapsed_time() -> None:
    cal = BusinessCalendar.from_dict(
        {"tz": "UTC", "hours": {d: [["00:00", "24:00"]] for d in (*WEEKDAYS, "sat", "sun")}}
    )
    start = msk(2026, 11, 21, 12)
    pause = (msk(2026, 11, 21, 13), msk(2026, 11, 21, 15))
    # 3 h elapsed, 2 h of which paused -> 17:00
    assert cal.add_working_time(start, timedelta(hours=3), [pause]) == msk(2026, 11, 21, 17)
    assert cal.working_time_between(start, msk(2026, 11, 21, 17), [pause]) == timedelta(hours=3)


def test_end_before_start_refused() -> None:
    with pytest.raises(ValueError, match="before start"):
        business().working_time_between(msk(2026, 11, 19), msk(2026, 11, 18))

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.sla import BusinessCalendar, builtin_calendars

MSK_BUSINESS = BusinessCalendar.from_dict(builtin_calendars(years=(2026, 2027))["msk-business"])
BERLIN_LUNCH = BusinessCalendar.from_dict(
    {
        "tz": "Europe/Berlin",
        "hours": {
            d: [["01:30", "02:30"], ["09:00", "12:00"], ["13:00", "24:00"]] for d in ("sat", "sun", "mon")
        },
        "holidays": ["2026-10-26"],
    }
)

starts = st.datetimes(
    min_value=datetime(2025, 12, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))
pauses = st.lists(
    st.tuples(starts, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3))), max_size=4
)


@settings(max_examples=200, deadline=None)
@given(start=starts, duration=durations, calendar=st.sampled_from([MSK_BUSINESS, BERLIN_LUNCH]))
def test_between_inverts_add(start: datetime, duration: timedelta, calendar: BusinessCalendar) -> None:
    due = calendar.add_working_time(start, duration)
    assert due >= start
    assert calendar.working_time_between(start, due) == duration


@settings(max_examples=200, deadline=None)
@given(start=starts, duration=durations, raw_pauses=pauses)
def test_between_inverts_add_with_pauses(
    start: datetime, duration: timedelta, raw_pauses: list[tuple[datetime, timedelta]]
) -> None:
    spans = [(a, a + length) for a, length in raw_pauses]
    due = MSK_BUSINESS.add_working_time(start, duration, spans)
    assert MSK_BUSINESS.working_time_between(start, due, spans) == duration
    # the deadline is the earliest such instant: a moment earlier (never before the start), less has been worked
    if duration:
        earlier = max(start, due - timedelta(seconds=1))
        assert MSK_BUSINESS.working_time_between(start, earlier, spans) < duration

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.sla import (
    BUILTIN_POLICIES,
    BusinessCalendar,
    Policy,
    builtin_calendars,
    compute_due,
    compute_spans,
    priority_label,
    used_fraction,
    warn_at,
)

MSK = ZoneInfo("Europe/Moscow")
CALS = {k: BusinessCalendar.from_dict(v) for k, v in builtin_calendars(years=(2026, 2027)).items()}
NTTM = Policy.from_dict(BUILTIN_POLICIES["nttm"])
TECON = Policy.from_dict(BUILTIN_POLICIES["tecon"])
# Fri 2026-11-20 17:30 Moscow: 30 working minutes left that day; no holidays until Dec 31
START = datetime(2026, 11, 20, 17, 30, tzinfo=MSK)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def due(policy: Policy, priority: int, **kw: object) -> dict[str, datetime | None]:
    return compute_due(policy=policy, priority=priority, calendars=CALS, started_at=START, **kw)


def test_nttm_p1() -> None:
    # 30 min -> 18:00; +1 h -> 19:00; +1 h -> 20:00; +1.5 h -> 21:30 (24x7)
    assert due(NTTM, 1) == {
        "reaction": msk(2026, 11, 20, 18),
        "diagnosis": msk(2026, 11, 20, 19),
        "workaround": msk(2026, 11, 20, 20),
        "resolution": msk(2026, 11, 20, 21, 30),
    }


def test_nttm_p1_after_workaround() -> None:
    # workaround given Fri 19:45 -> resolution 4 days later: Tue 2026-11-24 19:45
    got = due(NTTM, 1, workaround_at=msk(2026, 11, 20, 19, 45))
    assert got["resolution"] == msk(2026, 11, 24, 19, 45)
    assert got["workaround"] == msk(2026, 11, 20, 20)


def test_nttm_p1_pause_shifts_the_chain() -> None:
    # a 10-minute wait for the user (17:40–17:50) moves every chained target by 10 min
    got = due(NTTM, 1, pauses=[(msk(2026, 11, 20, 17, 40), msk(2026, 11, 20, 17, 50))])
    assert got["reaction"] == msk(2026, 11, 20, 18, 10)
    assert got["resolution"] == msk(2026, 11, 20, 21, 40)


def test_nttm_p2() -> None:
    # 30 min -> 18:00; +1 h -> 19:00; +2 h -> 21:00; +2 h -> 23:00
    assert due(NTTM, 2) == {
        "reaction": msk(2026, 11, 20, 18),
        "diagnosis": msk(2026, 11, 20, 19),
        "workaround": msk(2026, 11, 20, 21),
        "resolution": msk(2026, 11, 20, 23),
    }
    # workaround Fri 19:45 -> 5 days: Wed 2026-11-25 19:45
    assert due(NTTM, 2, workaround_at=msk(2026, 11, 20, 19, 45))["resolution"] == msk(2026, 11, 25, 19, 45)


def test_nttm_p3() -> None:
    # 1 wh: 0.5 h Fri + 0.5 h Mon -> Mon 23 05:30
    # 1 wd = 13 h: 0.5 Fri + 12.5 Mon -> Mon 23 17:30
    # 2 wd = 26 h: 0.5 + 13 (Mon) + 12.5 Tue -> Tue 24 17:30
    # 5 wd = 65 h: 0.5 + 4 × 13 (Mon–Thu) + 12.5 Fri -> Fri 27 17:30
    assert due(NTTM, 3) == {
        "reaction": msk(2026, 11, 23, 5, 30),
        "diagnosis": msk(2026, 11, 23, 17, 30),
        "workaround": msk(2026, 11, 24, 17, 30),
        "resolution": msk(2026, 11, 27, 17, 30),
    }
    # with a workaround: 10 wd = 130 h from the start: 0.5 + 65 (Nov 23–27) + 52 (Nov 30–Dec 3)
    # + 12.5 Fri -> Fri 2026-12-04 17:30
    assert due(NTTM, 3, workaround_at=msk(2026, 11, 23, 9))["resolution"] == msk(2026, 12, 4, 17, 30)


def test_nttm_p4() -> None:
    # 1 wd -> Mon 23 17:30; 3 wd = 39 h: 0.5 + 13 + 13 + 12.5 -> Wed 25 17:30; 5 wd -> Fri 27 17:30
    # 1 month: same local day/time a month later -> Sun 2026-12-20 17:30
    expected = {
        "reaction": msk(2026, 11, 23, 17, 30),
        "diagnosis": msk(2026, 11, 25, 17, 30),
        "workaround": msk(2026, 11, 27, 17, 30),
        "resolution": msk(2026, 12, 20, 17, 30),
    }
    assert due(NTTM, 4) == expected
    # a workaround does not change P4
    assert due(NTTM, 4, workaround_at=msk(2026, 11, 23, 9)) == expected


def test_nttm_p4_month_moved_by_pause_and_clamped() -> None:
    # 2 days waiting for the user (Dec 1 00:00 – Dec 3 00:00) -> Tue 2026-12-22 17:30
    got = due(NTTM, 4, pauses=[(msk(2026, 12, 1), msk(2026, 12, 3))])
    assert got["resolution"] == msk(2026, 12, 22, 17, 30)
    # Jan 31 + 1 month clamps to Feb 28 (2027 is not a leap year)
    jan31 = msk(2027, 1, 31, 10)
    assert compute_due(policy=NTTM, priority=4, calendars=CALS, started_at=jan31)["resolution"] == msk(
        2027, 2, 28, 10
    )


@pytest.mark.parametrize(
    ("priority", "label", "minutes"),
    [(4, "ОП1", 20), (3, "ОП2", 40), (2, "ОП3", 120), (1, "ОП4", 180)],
)
def test_tecon_reaction_only(priority: int, label: str, minutes: int) -> None:
    # ОП1 17:30 + 20 min = 17:50; ОП2 +40 = 18:10; ОП3 +2 h = 19:30; ОП4 +3 h = 20:30
    expected = {
        4: msk(2026, 11, 20, 17, 50),
        3: msk(2026, 11, 20, 18, 10),
        2: msk(2026, 11, 20, 19, 30),
        1: msk(2026, 11, 20, 20, 30),
    }[priority]
    assert priority_label("tecon", priority) == label
    assert due(TECON, priority) == {
        "reaction": expected,
        "diagnosis": None,
        "workaround": None,
        "resolution": None,
    }
    assert expected - START == timedelta(minutes=minutes)


def test_warn_at_75_percent_of_working_hour() -> None:
    # P3 reaction: 1 working hour from Fri 17:30; 75 % = 45 min: 30 Fri + 15 Mon -> Mon 05:15
    span = compute_spans(policy=NTTM, priority=3, calendars=CALS, started_at=START)["reaction"]
    assert span is not None
    warn = warn_at(calendar=span.calendar, span_start=span.start, duration=span.duration)
    assert warn == msk(2026, 11, 23, 5, 15)
    assert (
        used_fraction(calendar=span.calendar, span_start=span.start, duration=span.duration, at=warn) == 0.75
    )


def test_round_trip() -> None:
    for data in BUILTIN_POLICIES.values():
        policy = Policy.from_dict(data)
        assert policy.to_dict() == data
        assert Policy.from_dict(policy.to_dict()) == policy


def _one(target: dict) -> dict:
    return {"code": "x", "priorities": {"1": {"reaction": target}}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_one({"amount": 1, "unit": "weeks", "calendar": "24x7"}), "unit must be"),
        (_one({"amount": -1, "unit": "hours", "calendar": "24x7"}), "positive"),
        (_one({"amount": 1, "unit": "hours", "calendar": "24x7", "from": "previous"}), "'from' must be"),
        (_one({"amount": 1.5, "unit": "calendar_months", "calendar": "24x7"}), "whole number"),
        (_one({"amount": 1, "unit": "hours"}), "'calendar'"),
        ({"code": "x", "priorities": {"5": {}}}, "priority must be"),
        ({"code": "x", "priorities": {"1": {"answer": {}}}}, "unknown target"),
        ({"priorities": {}}, "code"),
    ],
)
def test_invalid_policies_refused(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Policy.from_dict(data)


def test_missing_calendar_refused() -> None:
    with pytest.raises(ValueError, match="not among the given calendars"):
        compute_due(policy=NTTM, priority=3, calendars={"24x7": CALS["24x7"]}, started_at=START)


def test_priority_labels() -> None:
    assert [priority_label("nttm", p) for p in (1, 2, 3, 4)] == [
        "P1 Критичный",
        "P2 Высокий",
        "P3 Средний",
        "P4 Низкий",
    ]
    assert priority_label("nttm", 1, locale="en") == "P1 Critical"
    assert priority_label("nttm", 4, locale="en") == "P4 Low"

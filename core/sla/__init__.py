"""Pure SLA engine: business calendars, policies and deadline computation (no database).

Typical use by the storage layer::

    cals = {code: BusinessCalendar.from_dict(d) for code, d in builtin_calendars(years=(2026, 2027)).items()}
    policy = Policy.from_dict(BUILTIN_POLICIES["nttm"])
    due = compute_due(policy=policy, priority=3, calendars=cals, started_at=t0, pauses=[(p1, p2)])
    spans = compute_spans(...)  # per target: calendar, start, duration, due -> feed warn_at()
"""

from core.sla.builtin import (
    BUILTIN_POLICIES,
    builtin_calendars,
    current_and_next_year,
    priority_label,
    standard_workday,
)
from core.sla.calendar import BusinessCalendar
from core.sla.policy import Policy, Target, TargetSpan, compute_due, compute_spans, used_fraction, warn_at

__all__ = [
    "BUILTIN_POLICIES",
    "BusinessCalendar",
    "Policy",
    "Target",
    "TargetSpan",
    "builtin_calendars",
    "compute_due",
    "compute_spans",
    "current_and_next_year",
    "priority_label",
    "standard_workday",
    "used_fraction",
    "warn_at",
]

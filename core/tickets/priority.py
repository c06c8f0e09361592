"""The priority the bot proposes from the user's answers about impact (NTTM regulation, «Приоритеты»)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# request types whose impact is asked; the others have a fixed proposal
IMPACT_TYPES = frozenset({"incident", "access_problem", "change"})
MASS = frozenset({"many", "all"})
# each impact question and the ticket field its answer is kept in (core/catalog/intake.py FIELDS): the lines see
# «Массовость», «Работа остановлена», «Есть обходной путь» on the card, the API returns them in `fields`
IMPACT_FIELDS = {"affected": "affected_users", "blocked": "work_blocked", "workaround": "has_workaround"}


def impact_fields(answers: Mapping[str, Any]) -> dict[str, str]:
    """The ticket fields of the impact answers given ({"affected": "all", "blocked": True, ...})."""
    out: dict[str, str] = {}
    for kind, key in IMPACT_FIELDS.items():
        value = answers.get(kind)
        if value is None:
            continue
        out[key] = str(value) if kind == "affected" else ("yes" if value else "no")
    return out


def needs_impact(request_type: str) -> bool:
    """Whether the bot asks about blocking and a workaround for this type."""
    return request_type in IMPACT_TYPES


def propose_priority(*, request_type: str, affected: str | None, blocked: bool | None,
                     workaround: bool | None) -> int:
    """1 critical … 4 low from who is affected, whether work is blocked and whether a workaround exists."""
    if request_type in ("consultation", "feature"):
        return 4  # consultation or a wish
    if request_type == "access_request":
        return 3  # a service request of one user
    if request_type == "change":
        return 3 if blocked and not workaround else 4
    stopped = bool(blocked) and not workaround
    if request_type == "access_problem" and affected in (None, "one"):
        return 3  # access problems of single users are «Средний»
    if stopped and affected in MASS:
        return 1  # down for everyone in a region, no workaround
    if stopped:
        return 2  # a critical function unavailable, no workaround
    if blocked or affected in MASS or affected == "several":
        return 3  # partial failure with a workaround, or errors local to some users
    return 4  # a minor defect: nothing blocked

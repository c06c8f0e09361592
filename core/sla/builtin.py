"""The calendars shipped with the product: `24x7` and `msk-business`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import holidays

from core.sla.calendar import DAYS, BusinessCalendar

MSK_HOURS = [["05:00", "18:00"]]


def current_and_next_year(*, now: datetime) -> tuple[int, int]:
    """The years `builtin_calendars` should cover at `now` (its year and the next)."""
    return now.year, now.year + 1


def builtin_calendars(*, years: Iterable[int]) -> dict[str, dict[str, Any]]:
    """`from_dict`-shaped dicts of the shipped calendars, with Russian holidays for `years`.

    msk-business: Mon–Fri 05:00–18:00 Europe/Moscow, minus the public holidays and
    moved days off of the `holidays` package, plus the weekend days it lists as worked
    instead (`weekend_workdays`). Outside `years` it is a plain Mon–Fri week.
    """
    ru = holidays.country_holidays("RU", years=sorted(set(years)))
    days_off = sorted(d.isoformat() for d in ru if d.weekday() < 5)
    worked = {d.isoformat(): MSK_HOURS for d in sorted(ru.weekend_workdays)}
    msk: dict[str, Any] = {
        "tz": "Europe/Moscow",
        "hours": {d: MSK_HOURS for d in DAYS[:5]},
        "holidays": days_off,
    }
    if worked:
        msk["extra_workdays"] = worked
    return {
        "24x7": {"tz": "UTC", "hours": {d: [["00:00", "24:00"]] for d in DAYS}, "holidays": []},
        "msk-business": msk,
    }


def standard_workday(cal_dict: dict[str, Any]) -> timedelta:
    """Length of a standard working day of a calendar dict (13 h for msk-business)."""
    return BusinessCalendar.from_dict(cal_dict).standard_workday()


def _t(amount: float, unit: str, calendar: str, start_from: str = "start") -> dict[str, Any]:
    return {"amount": amount, "unit": unit, "calendar": calendar, "from": start_from}


def _chain(cal: str, unit: str, reaction: float, diagnosis: float, workaround: float,
           resolution: float) -> dict[str, Any]:
    # NTTM Табл. 4: "+" targets count from the previous target's due instant
    return {"reaction": _t(reaction, unit, cal), "diagnosis": _t(diagnosis, "hours", cal, "previous"),
            "workaround": _t(workaround, "hours", cal, "previous"),
            "resolution": _t(resolution, "hours", cal, "previous")}


MSK = "msk-business"

#: Policies shipped with the product, `Policy.from_dict`-shaped.
BUILTIN_POLICIES: dict[str, dict[str, Any]] = {
    "nttm": {
        "code": "nttm",
        "name": "NTTM (Табл. 4)",
        "description": "Сроки обработки обращений по приоритетам, регламент NTTM (003), Табл. 4.",
        "priorities": {
            "1": _chain("24x7", "minutes", 30, 1, 1, 1.5)
            | {"resolution_after_workaround": _t(96, "hours", "24x7", "workaround")},
            "2": _chain("24x7", "minutes", 30, 1, 2, 2)
            | {"resolution_after_workaround": _t(120, "hours", "24x7", "workaround")},
            "3": {"reaction": _t(1, "working_hours", MSK), "diagnosis": _t(1, "working_days", MSK),
                  "workaround": _t(2, "working_days", MSK), "resolution": _t(5, "working_days", MSK),
                  "resolution_after_workaround": _t(10, "working_days", MSK, "start")},
            "4": {"reaction": _t(1, "working_days", MSK), "diagnosis": _t(3, "working_days", MSK),
                  "workaround": _t(5, "working_days", MSK), "resolution": _t(1, "calendar_months", MSK)},
        },
    },
    # ТЕКОН assistance levels are stored in the priority: ОП1 → 4 … ОП4 → 1
    "tecon": {
        "code": "tecon",
        "name": "ТЕКОН (уровни помощи)",
        "description": "Нормативное время реагирования по уровням помощи (002): ОП1 20 мин, ОП2 40 мин, "
                       "ОП3 2 ч, ОП4 3 ч.",
        "priorities": {
            "4": {"reaction": _t(20, "minutes", "24x7")},
            "3": {"reaction": _t(40, "minutes", "24x7")},
            "2": {"reaction": _t(2, "hours", "24x7")},
            "1": {"reaction": _t(3, "hours", "24x7")},
        },
    },
}

# ОмниЧат (000), CRM B2C (001) and CLM (004) give no SLA numbers: each gets its own copy of NTTM's table,
# a decision an administrator can change through /api/v1/sla/policies/{code}
_NO_NUMBERS = {"omnichat": ("ОмниЧат", "000"), "crm-b2c": ("CRM B2C", "001"), "clm": ("CLM", "004")}
for _code, (_name, _doc) in _NO_NUMBERS.items():
    BUILTIN_POLICIES[_code] = {
        "code": _code, "name": f"{_name} (по таблице NTTM)",
        "description": f"Регламент {_name} ({_doc}) не задаёт сроков обработки, поэтому применяется таблица NTTM "
                       "(003, Табл. 4). Это решение администратор может изменить.",
        "priorities": BUILTIN_POLICIES["nttm"]["priorities"],
    }

_NTTM_WORDS = {
    "ru": ("Критичный", "Высокий", "Средний", "Низкий"),
    "en": ("Critical", "High", "Medium", "Low"),
}


def priority_label(policy_code: str, priority: int, locale: str = "ru") -> str:
    """Human label of a priority: "ОП1".."ОП4" for tecon, "P1 Критичный".. otherwise."""
    if priority not in (1, 2, 3, 4):
        raise ValueError(f"priority must be 1..4, got {priority!r}")
    lang = "en" if locale.lower().startswith("en") else "ru"
    if policy_code == "tecon":
        level = 5 - priority
        return f"ОП{level}" if lang == "ru" else f"AL{level}"
    return f"P{priority} {_NTTM_WORDS[lang][priority - 1]}"

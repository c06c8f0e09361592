from __future__ import annotations

import pytest

from core.tickets.priority import needs_impact, propose_priority


@pytest.mark.parametrize(("rtype", "affected", "blocked", "workaround", "expected"), [
    ("incident", "all", True, False, 1),
    ("incident", "many", True, False, 1),
    ("incident", "one", True, False, 2),
    ("incident", "several", True, False, 2),
    ("incident", "all", True, True, 3),
    ("incident", "one", True, True, 3),
    ("incident", "several", False, False, 3),
    ("incident", "one", False, False, 4),
    ("incident", "one", False, True, 4),
    ("access_problem", "one", True, False, 3),
    ("access_problem", "all", True, False, 1),
    ("change", None, True, False, 3),
    ("change", None, False, False, 4),
    ("consultation", None, None, None, 4),
    ("feature", "all", True, False, 4),
    ("access_request", None, None, None, 3),
])
def test_regulation_criteria(rtype: str, affected: str | None, blocked: bool | None, workaround: bool | None,
                             expected: int) -> None:
    assert propose_priority(request_type=rtype, affected=affected, blocked=blocked,
                            workaround=workaround) == expected


def test_impact_asked_only_where_it_matters() -> None:
    assert needs_impact("incident") and needs_impact("access_problem")
    assert not needs_impact("consultation") and not needs_impact("feature")

"""The SLA report on a real database with an explicit now: unmet targets count their time to now."""

from __future__ import annotations

from core.sla.reports import percentile, sla_report
from core.tickets.service import Actor
from tests import factories as f
from tests.integration.sla.conftest import act, msk, register


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([10.0, 0.0, 20.0, 30.0], 0.5) == 15.0
    assert percentile([0.0, 100.0], 0.9) == 90.0


async def test_unmet_targets_count_time_to_now_and_breach_after_due(root) -> None:
    u, s = await f.user(root), await f.staff(root)
    taken = await register(root, u.id, at=msk(24, 10))
    await act(root, taken.id, "take", Actor("staff", s.id), msk(24, 10, 20))
    await register(root, u.id, at=msk(24, 10))
    other = await register(root, u.id, at=msk(24, 10), service="clm")
    rows = await sla_report(uow=root.uow(), date_from=msk(24, 0), date_to=msk(25, 0), service="nttm",
                            now=msk(24, 12))
    reaction = next(r for r in rows if r["target"] == "reaction")
    # 20 min (met) and 2 h (unmet, due 11:00, now 12:00: breached)
    assert (reaction["tickets"], reaction["met"], reaction["breached"]) == (2, 1, 1)
    assert reaction["median_seconds"] == (20 * 60 + 120 * 60) // 2
    diagnosis = next(r for r in rows if r["target"] == "diagnosis")
    assert (diagnosis["tickets"], diagnosis["met"], diagnosis["breached"]) == (2, 0, 0)
    assert {r["service"] for r in rows} == {"nttm"} and other.id
    everything = await sla_report(uow=root.uow(), date_from=msk(24, 0), date_to=msk(25, 0), now=msk(24, 12))
    assert {r["service"] for r in everything} == {"nttm", "clm"}

"""Wiring of what staff are told and can ask: SLA alarms, private notices (delivery planners), staff commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.root import Root


def wire(root: Root) -> None:
    """Registers the staff planners with the delivery worker."""
    from bot.staff.alarms import plan_alarms
    from bot.staff.notify import plan_staff_notices
    from bot.staff.urgent import plan_urgent_notices

    root.delivery_planners.extend([plan_alarms, plan_staff_notices, plan_urgent_notices])

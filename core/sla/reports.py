"""SLA report: per service, priority and target — tickets, met, breached, median and p90 of working time used."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.catalog.models import Service
from core.db import utcnow
from core.sla.clock import pauses_of, spans
from core.sla.models import TicketSla, TicketSlaTarget
from core.sla.policy import TARGETS
from core.sla.store import catalog
from core.tickets.models import Ticket
from core.uow import UnitOfWork

COLUMNS = ("service", "priority", "target", "tickets", "met", "breached", "median_seconds", "p90_seconds")


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..1) by linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    data = sorted(values)
    pos = (len(data) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


async def sla_report(*, uow: UnitOfWork, date_from: datetime, date_to: datetime, service: str | None = None,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """Rows per (service, priority, target) over the clocks started in [date_from, date_to)."""
    now = now or utcnow()
    async with uow:
        q = (select(TicketSla, Ticket.priority, Service.code)
             .join(Ticket, Ticket.id == TicketSla.ticket_id)
             .join(Service, Service.id == Ticket.service_id)
             .where(TicketSla.started_at >= date_from, TicketSla.started_at < date_to))
        if service:
            q = q.where(Service.code == service)
        clocks = (await uow.session.execute(q)).all()
        ids = [c.TicketSla.ticket_id for c in clocks]
        rows: dict[int, list[TicketSlaTarget]] = defaultdict(list)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for r in (await uow.session.scalars(select(TicketSlaTarget)
                                                .where(TicketSlaTarget.ticket_id.in_(chunk)))).all():
                rows[r.ticket_id].append(r)
        cat = await catalog(uow.session)
    groups: dict[tuple[str, int, str], dict[str, Any]] = {}
    for sla, priority, code in clocks:
        all_spans = spans(sla=sla, priority=priority, cat=cat)
        frozen = pauses_of(sla)
        for row in rows[sla.ticket_id]:
            span = all_spans.get(row.target)
            if span is None:
                continue
            end = row.met_at or sla.paused_since or sla.stopped_at or now
            used = span.calendar.working_time_between(sla.started_at, max(end, sla.started_at), frozen)
            g = groups.setdefault((code, priority, row.target), {"tickets": 0, "met": 0, "breached": 0, "used": []})
            g["tickets"] += 1
            g["met"] += row.met_at is not None
            g["breached"] += row.breached or (row.met_at is None and row.due_at < end)
            g["used"].append(used.total_seconds())
    order = {name: i for i, name in enumerate(TARGETS)}
    out = []
    for (code, priority, target), g in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], order[kv[0][2]])):
        med, p90 = percentile(g["used"], 0.5), percentile(g["used"], 0.9)
        out.append({"service": code, "priority": priority, "target": target, "tickets": g["tickets"],
                    "met": g["met"], "breached": g["breached"],
                    "median_seconds": None if med is None else round(med),
                    "p90_seconds": None if p90 is None else round(p90)})
    return out


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The report as CSV with a header line."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


__all__ = ["COLUMNS", "percentile", "sla_report", "to_csv"]

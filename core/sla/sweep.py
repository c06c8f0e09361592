"""The periodic SLA sweep: warnings, breaches and coordinator pings written to the outbox exactly once, found by an
index; an alarm whose clock does not run now (outside the working calendar) waits for the calendar to open."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from core.db import utcnow
from core.errors import DomainError
from core.outbox.models import OutboxEvent
from core.sla.calendar import BusinessCalendar
from core.sla.clock import INTERNAL_INCIDENT
from core.sla.models import TicketSla, TicketSlaTarget
from core.sla.store import Catalog, catalog
from core.tickets.models import Ticket, ticket_number
from core.uow import UnitOfWork

log = logging.getLogger(__name__)
TOPICS = {"warning": "sla.warning", "breach": "sla.breach", "ping": "sla.ping"}
WORKING_UNITS = frozenset({"working_hours", "working_days"})
CLOSING_GRACE = timedelta(minutes=10)
_PROBE = timedelta(seconds=1)
_CHUNK = 500  # stays far below SQLite's bound-parameter limit


def dedup_key(*, ticket_id: int, target: str, kind: str, due_at: datetime) -> str:
    """The outbox key that makes an event unique per ticket, target, kind and deadline."""
    return f"sla:{ticket_id}:{target}:{kind}:{due_at.isoformat()}"


async def _existing(uow: UnitOfWork, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i:i + _CHUNK]
        rows = await uow.session.scalars(select(OutboxEvent.dedup_key).where(OutboxEvent.dedup_key.in_(chunk)))
        found.update(k for k in rows if k is not None)
    return found


def _calendar(cat: Catalog, r: Any) -> BusinessCalendar | None:
    """The working calendar a target's time runs on; None when it is elapsed time (always running)."""
    if r.target == INTERNAL_INCIDENT or r.policy is None:
        return None
    try:
        target = cat.policy(r.policy, r.calendar).priorities.get(r.priority, {}).get(r.target)
    except DomainError:
        return None
    if target is None or target.unit not in WORKING_UNITS:
        return None
    cal = cat.calendars.get(target.calendar)
    return None if cal is None or cal.continuous else cal


def _held_until(cal: BusinessCalendar | None, instant: datetime, now: datetime) -> datetime | None:
    """When an alarm due at `instant` waits for the calendar to open (the clock is stopped now); else None.

    An instant at the closing time itself (a deadline at 18:00) is told at once, within CLOSING_GRACE.
    """
    if cal is None or now - instant <= CLOSING_GRACE:
        return None
    if cal.working_time_between(now, now + _PROBE) > timedelta(0):
        return None
    return cal.add_working_time(now, _PROBE)


async def _sweep_once(uow: UnitOfWork, now: datetime, limit: int) -> int:
    q = (select(TicketSlaTarget.id, TicketSlaTarget.ticket_id, TicketSlaTarget.target, TicketSlaTarget.due_at,
                TicketSlaTarget.warn_at, TicketSlaTarget.warned_at, TicketSlaTarget.breach_notified_at,
                TicketSlaTarget.ping_at, TicketSlaTarget.pinged_at, TicketSla.policy, TicketSla.calendar,
                Ticket.line, Ticket.assignee_id, Ticket.requester_id, Ticket.priority, Ticket.status,
                Ticket.service_id)
         .join(TicketSla, TicketSla.ticket_id == TicketSlaTarget.ticket_id)
         .join(Ticket, Ticket.id == TicketSlaTarget.ticket_id)
         .where(TicketSlaTarget.next_check_at <= now, TicketSlaTarget.met_at.is_(None),
                TicketSla.paused_since.is_(None), TicketSla.stopped_at.is_(None))
         .order_by(TicketSlaTarget.next_check_at)
         .limit(limit))
    rows = (await uow.session.execute(q)).all()
    if not rows:
        return 0
    cat = await catalog(uow.session)
    events: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    for r in rows:
        breach = r.breach_notified_at is None and r.due_at <= now
        warn = r.warned_at is None and r.warn_at <= now
        ping = r.ping_at is not None and r.pinged_at is None and r.ping_at <= now
        fired = [t for t, on in ((r.due_at, breach), (r.warn_at, warn), (r.ping_at, ping)) if on]
        held = _held_until(_calendar(cat, r), max(fired), now) if fired else None
        if held is not None:  # nobody is pinged at night about a clock that does not run at night
            marks.append({"id": r.id, "warned_at": r.warned_at, "breach_notified_at": r.breach_notified_at,
                          "pinged_at": r.pinged_at, "next_check_at": held})
            continue
        warned_at = r.warned_at or (now if warn or breach else None)  # a breach supersedes its warning
        notified = r.breach_notified_at or (now if breach else None)
        pinged = r.pinged_at or (now if ping else None)
        pending = [t for t, done in ((r.warn_at, warned_at), (r.due_at, notified), (r.ping_at, pinged))
                   if done is None and t is not None]
        mark = {"id": r.id, "warned_at": warned_at, "breach_notified_at": notified, "pinged_at": pinged,
                "next_check_at": min(pending, default=None)}
        if breach:
            mark["breached"] = True
        marks.append(mark)
        kinds = ["breach" if breach else "warning" if warn else None,
                 "ping" if ping and r.assignee_id is None and r.status == "assigned" else None]
        for kind in filter(None, kinds):
            due = r.ping_at if kind == "ping" else r.due_at
            payload = {"ticket_id": r.ticket_id, "number": ticket_number(r.ticket_id), "target": r.target,
                       "kind": kind, "due_at": r.due_at.isoformat(), "line": r.line, "assignee_id": r.assignee_id,
                       "requester_id": r.requester_id, "priority": r.priority, "service_id": r.service_id}
            key = dedup_key(ticket_id=r.ticket_id, target=r.target, kind=kind, due_at=due)
            events.append({"topic": TOPICS[kind], "ticket_id": r.ticket_id, "payload": payload, "dedup_key": key,
                           "created_at": now, "attempts": 0})
    seen = await _existing(uow, [e["dedup_key"] for e in events])
    events = [e for e in events if e["dedup_key"] not in seen]
    if events:
        await uow.session.execute(insert(OutboxEvent), events)
    # bulk UPDATE by primary key groups rows by key set: breached rows and the others are two statements
    for group in ([m for m in marks if "breached" in m], [m for m in marks if "breached" not in m]):
        if group:
            await uow.session.execute(update(TicketSlaTarget), group)
    return len(events)


async def sweep(*, uow: UnitOfWork, now: datetime | None = None, limit: int = 1000) -> int:
    """Writes the due `sla.warning`/`sla.breach` events (at most `limit` targets); returns how many were written.

    The warning instants are precomputed with `clock.WARN_FRACTION` when clocks are (re)computed, so that
    the sweep can find them with one index range scan on `next_check_at`.
    """
    now = now or utcnow()
    for attempt in (1, 2):
        try:
            async with uow:
                written = await _sweep_once(uow, now, limit)
                await uow.commit()
                return written
        except IntegrityError:
            # a concurrent sweep wrote some of the same events first: start over, its marks now exclude them
            if attempt == 2:
                raise
            log.info("SLA sweep met a concurrent duplicate; retrying the batch")
    return 0

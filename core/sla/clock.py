"""The SLA clock of a ticket: started at registration, paused while waiting for the user, targets met by actions.

Every function here takes an ENTERED unit of work (they run inside the ticket use cases' transactions),
except the read use cases `ticket_sla` and `deadlines` at the bottom.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from core.db import utcnow
from core.errors import NotFound
from core.sla.calendar import Pause
from core.sla.models import TicketSla, TicketSlaTarget
from core.sla.policy import TARGETS, TargetSpan, compute_spans, warn_at
from core.sla.store import Catalog, catalog
from core.tickets.lifecycle import Action, Actor, Status, Step
from core.tickets.models import Ticket

if TYPE_CHECKING:
    from core.catalog.models import Service
    from core.uow import UnitOfWork

#: Share of a target's time after which a warning is due; set from settings by the wiring.
WARN_FRACTION = 0.75
# the first staff action of these kinds is the reaction (a public staff comment too, see on_comment)
REACTION_ACTIONS = frozenset({Action.take, Action.assign, Action.request_info})
STOPPING_ACTIONS = frozenset({Action.cancel, Action.close, Action.confirm})
# ТЕКОН ОП4 (002 §5): ТП2 sends the number of its internal incident within 3 hours of receiving the request
# the target column holds 16 characters
INTERNAL_INCIDENT = "op4_incident"
INTERNAL_INCIDENT_WITHIN = timedelta(hours=3)
ALL_TARGETS = (*TARGETS, INTERNAL_INCIDENT)
PING_TARGET, PING_FRACTION = "reaction", 0.5  # 000/003: the coordinator distributes what nobody has taken


def configure(*, warn_fraction: float) -> None:
    """Sets the warning threshold used when target instants are (re)computed."""
    global WARN_FRACTION
    if not 0 < warn_fraction <= 1:
        raise ValueError(f"warn_fraction must be within (0, 1], got {warn_fraction}")
    WARN_FRACTION = warn_fraction


def pauses_of(sla: TicketSla) -> list[Pause]:
    """The closed paused spans of a clock as aware datetimes."""
    return [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in sla.pauses or []]


def next_check(row: TicketSlaTarget, sla: TicketSla) -> datetime | None:
    """The earliest pending warning or breach instant; None when nothing can be due (met, paused, stopped)."""
    if row.met_at is not None or sla.paused_since is not None or sla.stopped_at is not None:
        return None
    pending = [t for t, done in ((row.warn_at, row.warned_at), (row.due_at, row.breach_notified_at),
                                 (row.ping_at, row.pinged_at)) if done is None and t is not None]
    return min(pending, default=None)


def ping_at(span: TargetSpan, pauses: Iterable[Pause]) -> datetime:
    """The instant half of the reaction time is used: an unassigned ticket's coordinator is pinged then."""
    return warn_at(calendar=span.calendar, span_start=span.start, duration=span.duration, pauses=pauses,
                   fraction=PING_FRACTION)


def spans(*, sla: TicketSla, priority: int, cat: Catalog) -> dict[str, TargetSpan | None]:
    """The spans of every target of a clock at its current pauses and workaround."""
    policy = cat.policy(sla.policy, sla.calendar)
    return compute_spans(policy=policy, priority=priority, calendars=cat.calendars, started_at=sla.started_at,
                         pauses=pauses_of(sla), workaround_at=sla.workaround_at)


async def _load(uow: UnitOfWork, ticket_id: int) -> tuple[TicketSla | None, dict[str, TicketSlaTarget]]:
    sla = await uow.session.get(TicketSla, ticket_id)
    if sla is None:
        return None, {}
    rows = (await uow.session.scalars(select(TicketSlaTarget).where(TicketSlaTarget.ticket_id == ticket_id))).all()
    return sla, {r.target: r for r in rows}


async def _recompute(uow: UnitOfWork, *, sla: TicketSla, rows: dict[str, TicketSlaTarget], priority: int,
                     now: datetime, names: Iterable[str] = TARGETS, include_met: bool = False) -> None:
    """Recomputes due/warn instants of the named targets; markers of instants moved into the future reset."""
    cat = await catalog(uow.session)
    all_spans, frozen, wanted = spans(sla=sla, priority=priority, cat=cat), pauses_of(sla), set(names)
    for name in TARGETS:
        span, row = all_spans[name], rows.get(name)
        if span is None:
            if row is not None and row.met_at is None:
                await uow.session.delete(row)
                del rows[name]
            continue
        if name not in wanted and row is not None:
            continue
        if row is None:
            row = rows[name] = TicketSlaTarget(ticket_id=sla.ticket_id, target=name, breached=False)
            uow.session.add(row)
        elif row.met_at is not None and not include_met:
            continue
        row.due_at = span.due
        row.warn_at = warn_at(calendar=span.calendar, span_start=span.start, duration=span.duration,
                              pauses=frozen, fraction=WARN_FRACTION)
        if name == PING_TARGET:
            row.ping_at = ping_at(span, frozen)
            if row.pinged_at is not None and row.ping_at > now:
                row.pinged_at = None
        if row.met_at is not None:
            row.breached = row.met_at > row.due_at
        else:
            if row.warned_at is not None and row.warn_at > now:
                row.warned_at = None
            if row.due_at > now:
                row.breach_notified_at, row.breached = None, False
        row.next_check_at = next_check(row, sla)
    extra = rows.get(INTERNAL_INCIDENT)
    if extra is not None:  # elapsed time, not on the policy: only its pending check is restored
        extra.next_check_at = next_check(extra, sla)


def _open_internal_incident(uow: UnitOfWork, sla: TicketSla, rows: dict[str, TicketSlaTarget],
                            now: datetime) -> None:
    if INTERNAL_INCIDENT in rows:
        return
    due = now + INTERNAL_INCIDENT_WITHIN
    row = rows[INTERNAL_INCIDENT] = TicketSlaTarget(
        ticket_id=sla.ticket_id, target=INTERNAL_INCIDENT, due_at=due, breached=False,
        warn_at=now + INTERNAL_INCIDENT_WITHIN * WARN_FRACTION)
    row.next_check_at = next_check(row, sla)
    uow.session.add(row)


def _meet(row: TicketSlaTarget | None, now: datetime) -> None:
    if row is None or row.met_at is not None:
        return
    row.met_at, row.breached, row.next_check_at = now, now > row.due_at, None


def _pause(sla: TicketSla, rows: dict[str, TicketSlaTarget], now: datetime) -> None:
    if sla.paused_since is None:
        sla.paused_since = now
    for row in rows.values():
        row.next_check_at = None


def _close_pause(sla: TicketSla, now: datetime) -> bool:
    if sla.paused_since is None:
        return False
    if now > sla.paused_since:
        sla.pauses = [*(sla.pauses or []), [sla.paused_since.isoformat(), now.isoformat()]]
    sla.paused_since = None
    return True


async def start(*, uow: UnitOfWork, ticket: Ticket, service: Service, now: datetime) -> TicketSla:
    """Starts the clock of a registered ticket on its service's policy and working calendar."""
    cat = await catalog(uow.session)
    sla = TicketSla(ticket_id=ticket.id, policy=cat.policy(service.sla_policy, service.calendar).code,
                    calendar=service.calendar, started_at=now, pauses=[])
    uow.session.add(sla)
    # registration is the hot path (bench/tickets.py): plain rows in one executemany, no ORM objects per target
    # (the ORM cannot batch INSERT ... RETURNING on SQLite); nothing is met, warned or paused yet
    rows = []
    for name, span in spans(sla=sla, priority=ticket.priority, cat=cat).items():
        if span is None:
            continue
        warn = warn_at(calendar=span.calendar, span_start=span.start, duration=span.duration, pauses=(),
                       fraction=WARN_FRACTION)
        ping = ping_at(span, ()) if name == PING_TARGET else None
        rows.append({"ticket_id": ticket.id, "target": name, "due_at": span.due, "warn_at": warn,
                     "breached": False, "ping_at": ping, "next_check_at": min(warn, span.due, ping or span.due)})
    if rows:
        await uow.session.execute(insert(TicketSlaTarget), rows)
    return sla


async def on_step(*, uow: UnitOfWork, ticket: Ticket, step: Step, actor: Actor, now: datetime) -> None:
    """Meets, pauses, resumes, recomputes or stops the clock after a lifecycle step."""
    sla, rows = await _load(uow, ticket.id)
    if sla is None or sla.stopped_at is not None:
        return
    act = step.action
    if actor.kind == "staff" and act in REACTION_ACTIONS:
        _meet(rows.get("reaction"), now)
    if act is Action.request_info:
        _pause(sla, rows, now)
    elif act is Action.user_answers:
        _close_pause(sla, now)
        await _recompute(uow, sla=sla, rows=rows, priority=ticket.priority, now=now)
    elif act is Action.diagnosis_done:
        _meet(rows.get("diagnosis"), now)
    elif act is Action.give_workaround:
        _meet(rows.get("workaround"), now)
        if sla.workaround_at is None:
            sla.workaround_at = now
            await _recompute(uow, sla=sla, rows=rows, priority=ticket.priority, now=now, names=("resolution",))
    elif act is Action.resolve:
        # a resolved ticket was obviously reacted to, diagnosed and worked around: those unmet are met now
        for name in TARGETS:
            _meet(rows.get(name), now)
        # the time the ticket waits for the requester's confirmation does not count
        _pause(sla, rows, now)
    elif act is Action.reject:
        _close_pause(sla, now)
        resolution = rows.get("resolution")
        if resolution is not None:
            resolution.met_at, resolution.breached = None, False
        await _recompute(uow, sla=sla, rows=rows, priority=ticket.priority, now=now)
    elif act is Action.change_priority:
        await _recompute(uow, sla=sla, rows=rows, priority=ticket.priority, now=now, include_met=True)
    elif act is Action.open_op4:
        await _recompute(uow, sla=sla, rows=rows, priority=ticket.priority, now=now, include_met=True)
        _open_internal_incident(uow, sla, rows, now)
    elif act is Action.set_internal_incident:
        _meet(rows.get(INTERNAL_INCIDENT), now)
    elif act is Action.reclassify:
        await _follow_service(uow, sla=sla, rows=rows, ticket=ticket, now=now)
        if step.to_status is Status.waiting_user:  # the requester was asked for the details the new type needs
            _pause(sla, rows, now)
    elif act in STOPPING_ACTIONS:
        _close_pause(sla, now)
        sla.stopped_at = now
        for row in rows.values():
            row.next_check_at = None


async def _follow_service(uow: UnitOfWork, *, sla: TicketSla, rows: dict[str, TicketSlaTarget], ticket: Ticket,
                          now: datetime) -> None:
    """A reclassified ticket counts on its new service's policy and calendar, from its own start."""
    from core.catalog.models import Service

    service = await uow.session.get(Service, ticket.service_id)
    if service is None:
        return
    cat = await catalog(uow.session)
    sla.policy, sla.calendar = cat.policy(service.sla_policy, service.calendar).code, service.calendar
    await _recompute(uow, sla=sla, rows=rows, priority=ticket.priority, now=now, include_met=True)


async def on_comment(*, uow: UnitOfWork, ticket: Ticket, actor: Actor, public: bool, now: datetime) -> None:
    """A public staff comment is a reaction."""
    if actor.kind != "staff" or not public:
        return
    sla, rows = await _load(uow, ticket.id)
    if sla is not None and sla.stopped_at is None:
        _meet(rows.get("reaction"), now)


def _remaining(span: TargetSpan | None, row: TicketSlaTarget, sla: TicketSla, now: datetime) -> int | None:
    ref = sla.paused_since or sla.stopped_at or now
    if row.met_at is None and row.target == INTERNAL_INCIDENT:
        return int((row.due_at - ref).total_seconds())
    if row.met_at is not None or span is None:
        return None
    frozen = pauses_of(sla)
    if ref <= row.due_at:
        return int(span.calendar.working_time_between(ref, row.due_at, frozen).total_seconds())
    return -int(span.calendar.working_time_between(row.due_at, ref, frozen).total_seconds())


async def snapshot(*, uow: UnitOfWork, ticket_id: int, priority: int, now: datetime) -> dict[str, Any]:
    """The SLA state of a ticket inside an entered unit of work (see `ticket_sla`)."""
    sla, rows = await _load(uow, ticket_id)
    if sla is None:
        return {"policy": None, "started_at": None, "targets": {}, "paused": False}
    all_spans = spans(sla=sla, priority=priority, cat=await catalog(uow.session))
    targets = {
        name: {"due_at": row.due_at, "met_at": row.met_at, "breached": row.breached,
               "remaining_seconds": _remaining(all_spans.get(name), row, sla, now)}
        for name in ALL_TARGETS if (row := rows.get(name)) is not None
    }
    return {"policy": sla.policy, "started_at": sla.started_at, "targets": targets,
            "paused": sla.paused_since is not None}


async def ticket_sla(*, uow: UnitOfWork, ticket_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Policy, start, per-target due/met/breached/remaining working seconds, and whether the clock is paused."""
    async with uow:
        ticket = await uow.session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} not found")
        return await snapshot(uow=uow, ticket_id=ticket_id, priority=ticket.priority, now=now or utcnow())


async def deadlines(*, uow: UnitOfWork, ticket_id: int) -> dict[str, datetime | None]:
    """Due instants of the unmet targets (None while the clock is paused): «ответим до 14:30»."""
    async with uow:
        sla, rows = await _load(uow, ticket_id)
        if sla is None or sla.stopped_at is not None:
            return {}
        paused = sla.paused_since is not None
        return {name: None if paused else row.due_at
                for name in ALL_TARGETS if (row := rows.get(name)) is not None and row.met_at is None}

"""Planned works and releases: announce (003: at least 24 h ahead, or marked urgent), extend, complete, cancel.

Every notice is a broadcast (core.broadcasts) written in the transaction that records it, so a crash neither
loses nor repeats one. The timed notices (reminder an hour before, start, end) are rows with a due time that
`send_due` picks by an indexed query; each is claimed by a conditional UPDATE, so two runs never send one twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.broadcasts.models import Broadcast
from core.broadcasts.service import ChatTarget, add_broadcast, cancel_subject, users_audience
from core.catalog.models import Service
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.mail.bulletins import add_bulletin
from core.outages import audience
from core.planned import releases, texts
from core.planned.models import PlannedNotice, PlannedWork, Stage, WorkKind, WorkStatus
from core.uow import UnitOfWork, UowFactory

LEAD = timedelta(hours=24)  # 003 «Рассылка уведомлений»: no later than 24 hours before the start
REMINDER = timedelta(hours=1)
GRACE = timedelta(minutes=5)  # a timed notice sent later than this after its time says it is late
OPEN = (WorkStatus.scheduled, WorkStatus.started)
# the notices also e-mailed to all the services' addresses (003 «Рассылка уведомлений»: a release, planned
# unavailability, restoration); the reminder an hour before and the start stay in Telegram
MAILED = frozenset({"planned.created", "planned.extended", "planned.cancelled", "planned.end"})


def subject(work_id: int) -> str:
    return f"planned:{work_id}"


async def _names(s: AsyncSession, codes: Sequence[str]) -> list[str]:
    found = dict((await s.execute(select(Service.code, Service.name).where(Service.code.in_(codes)))).all())
    return [found.get(c, c) for c in codes]


async def _work(s: AsyncSession, work_id: int, *, open_only: bool = False) -> PlannedWork:
    w = await s.get(PlannedWork, work_id)
    if w is None:
        raise NotFound(f"planned works {work_id} not found")
    if open_only and w.status not in OPEN:
        raise Conflict(f"planned works {work_id} are already {w.status}")
    return w


async def _everyone(s: AsyncSession, w: PlannedWork, body: dict[str, str], kind: str) -> Broadcast:
    """A notice to the services' chats, managers and audience (a release skips who turned releases off)."""
    codes = list(w.services or [])
    chats = [ChatTarget(chat_id=c) for c in await audience.service_chats(s, codes)]
    chats += await audience.managers(s, codes)
    aud = users_audience(audience.audience_ids(codes, releases=w.kind == WorkKind.release))
    _mail(s, w, body, kind)
    return await add_broadcast(s, kind=kind, texts=body, chats=chats, audience=aud, subject=subject(w.id),
                               progress_chat_id=await audience.line1_chat(s), created_by=w.created_by)


def _mail(s: AsyncSession, w: PlannedWork, body: dict[str, str], kind: str) -> None:
    if kind in MAILED:
        add_bulletin(s, kind=kind, services=list(w.services or []), texts=body, subject=subject(w.id),
                     releases=w.kind == WorkKind.release)


async def _told(s: AsyncSession, w: PlannedWork, body: dict[str, str], kind: str) -> Broadcast:
    """A follow-up to every chat an earlier notice of these works reached."""
    ids = list((await s.scalars(select(Broadcast.id).where(Broadcast.subject == subject(w.id)))).all())
    told = [ChatTarget(chat_id=c.chat_id, user_id=c.user_id, locale=c.locale)
            for c in await audience.told_before(s, ids)]
    _mail(s, w, body, kind)
    return await add_broadcast(s, kind=kind, texts=body, chats=told, subject=subject(w.id),
                               progress_chat_id=await audience.line1_chat(s))


def _check(kind: str, codes: list[str], title: str, starts_at: datetime, ends_at: datetime, urgent: bool,
           now: datetime, changes: Sequence[str] = ()) -> None:
    problems: dict[str, str] = {}
    if kind not in (WorkKind.works, WorkKind.release):
        problems["kind"] = "works (работы) или release (релиз)"
    elif kind == WorkKind.release and not any(c.strip() for c in changes):
        # 003 «Выполнение обновлений ПО Системы»: «К письму прилагается список изменений в Системе с внедрением
        # нового релиза»
        problems["changes"] = "Список изменений релиза: хотя бы одно изменение (регламент 003)"
    if not codes:
        problems["services"] = "Сервисы: хотя бы один код"
    if not title.strip():
        problems["title"] = "Заголовок работ"
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        problems["starts_at"] = "Время с часовым поясом, например 2026-12-10T22:00:00+03:00"
    elif ends_at <= starts_at:
        problems["ends_at"] = "Окончание должно быть позже начала"
    elif starts_at <= now:
        problems["starts_at"] = "Начало ещё не наступило: о работах сообщают заранее"
    elif starts_at - now < LEAD and not urgent:
        problems["starts_at"] = ("О работах сообщают не позднее чем за 24 часа до начала (регламент 003); "
                                 "для срочных работ укажите urgent: true — это будет видно в уведомлении и отчёте")
    if problems:
        raise ValidationFailed("planned works refused: " + ", ".join(problems), fields=problems)


async def create(*, uow: UnitOfWork, kind: str, services: Sequence[str], title: str, starts_at: datetime,
                 ends_at: datetime, what: str = "", changes: Sequence[str] = (), urgent: bool = False,
                 created_by: str | None = None, tz: ZoneInfo, now: datetime | None = None,
                 ) -> tuple[PlannedWork, int]:
    """Records works or a release, announces them at once and schedules the timed notices; returns them and the
    announcement's broadcast id."""
    now = now or utcnow()
    codes = list(dict.fromkeys(c.strip() for c in services if c.strip()))
    _check(kind, codes, title, starts_at, ends_at, urgent, now, changes)
    async with uow:
        s = uow.session
        known = set((await s.scalars(select(Service.code).where(Service.code.in_(codes)))).all())
        if unknown := [c for c in codes if c not in known]:
            raise ValidationFailed(f"unknown services: {', '.join(unknown)}", fields={"services": ", ".join(unknown)})
        # urgent is what it says only when the lead time really was short: recorded as given otherwise
        w = PlannedWork(kind=kind, services=codes, title=title.strip(), what=what.strip(),
                        changes=[c.strip() for c in changes if c.strip()], starts_at=starts_at, ends_at=ends_at,
                        urgent=urgent and starts_at - now < LEAD, status=WorkStatus.scheduled, created_by=created_by)
        s.add(w)
        await s.flush()
        if starts_at - REMINDER > now:
            s.add(PlannedNotice(work_id=w.id, stage=Stage.reminder, due_at=starts_at - REMINDER))
        s.add(PlannedNotice(work_id=w.id, stage=Stage.start, due_at=starts_at))
        s.add(PlannedNotice(work_id=w.id, stage=Stage.end, due_at=ends_at))
        b = await _everyone(s, w, texts.announced(w, await _names(s, codes), tz), "planned.created")
        await releases.offered(uow, w, now=now)  # a release: the cards of its services' tickets in work offer it
        await uow.commit()
        return w, b.id


async def extend(*, uow: UnitOfWork, work_id: int, ends_at: datetime, tz: ZoneInfo) -> tuple[PlannedWork, int]:
    """A new, later end: everyone told hears it, and the end notice moves to the new time."""
    async with uow:
        s = uow.session
        w = await _work(s, work_id, open_only=True)
        if ends_at.tzinfo is None or ends_at <= w.ends_at:
            raise ValidationFailed("the new end must be later", fields={"ends_at": "Новое окончание позже прежнего"})
        w.ends_at, w.extended_count = ends_at, w.extended_count + 1
        await s.execute(update(PlannedNotice).where(PlannedNotice.work_id == w.id, PlannedNotice.stage == Stage.end,
                                                    PlannedNotice.settled.is_(False)).values(due_at=ends_at))
        b = await _told(s, w, texts.extended(w, await _names(s, w.services), tz), "planned.extended")
        await uow.commit()
        return w, b.id


async def _settle_rest(s: AsyncSession, work_id: int, outcome: str, now: datetime) -> None:
    await s.execute(update(PlannedNotice).where(PlannedNotice.work_id == work_id, PlannedNotice.settled.is_(False))
                    .values(settled=True, outcome=outcome, settled_at=now))


async def complete(*, uow: UnitOfWork, work_id: int, tz: ZoneInfo, now: datetime | None = None,
                   ) -> tuple[PlannedWork, int]:
    """Works finished (early or on time): everyone told hears it now, the end notice is not sent again."""
    now = now or utcnow()
    async with uow:
        s = uow.session
        w = await _work(s, work_id, open_only=True)
        if w.starts_at > now:
            raise Conflict(f"planned works {work_id} have not started yet: cancel them instead")
        w.status, w.finished_at = WorkStatus.completed, now
        await _settle_rest(s, w.id, "superseded", now)
        b = await _told(s, w, texts.ended(w, await _names(s, w.services), tz), "planned.end")
        await releases.resolve_linked(uow, w, now=now)  # 003: resolved «по факту установки … обновления»
        await uow.commit()
        return w, b.id


async def cancel(*, uow: UnitOfWork, work_id: int, reason: str = "", tz: ZoneInfo,
                 now: datetime | None = None) -> tuple[PlannedWork, int]:
    """Cancels the works: the unsent rest of earlier notices is dropped, everyone already told hears it."""
    now = now or utcnow()
    async with uow:
        s = uow.session
        w = await _work(s, work_id, open_only=True)
        w.status, w.finished_at, w.cancel_reason = WorkStatus.cancelled, now, reason.strip() or None
        await _settle_rest(s, w.id, "cancelled", now)
        await cancel_subject(s, subject(w.id))
        b = await _told(s, w, texts.cancelled(w, await _names(s, w.services), tz), "planned.cancelled")
        await releases.unlink_cancelled(uow, w, now=now)
        await uow.commit()
        return w, b.id


async def send_due(*, uow_factory: UowFactory, tz: ZoneInfo, now: datetime | None = None, limit: int = 100,
                   ) -> int:
    """Sends every timed notice whose time has come (late ones say so; a start after the end is dropped);
    returns how many notices it settled."""
    now = now or utcnow()
    async with uow_factory.read() as uow:
        due = list((await uow.session.scalars(
            select(PlannedNotice.id).where(PlannedNotice.settled.is_(False), PlannedNotice.due_at <= now)
            .order_by(PlannedNotice.due_at, PlannedNotice.id).limit(limit))).all())
    done = 0
    for nid in due:
        async with uow_factory() as uow:
            if await _send_one(uow, nid, tz=tz, now=now):
                await uow.commit()
                done += 1
    return done


async def _send_one(uow: UnitOfWork, notice_id: int, *, tz: ZoneInfo, now: datetime) -> bool:
    s = uow.session
    n = await s.get(PlannedNotice, notice_id)
    if n is None or n.settled:
        return False
    w = await _work(s, n.work_id)
    outcome, body = _decide(n, w, tz, now, await _names(s, w.services))
    # claimed by a conditional UPDATE: a concurrent run that got here first leaves no row to claim
    claimed = await s.execute(update(PlannedNotice).where(PlannedNotice.id == n.id, PlannedNotice.settled.is_(False))
                              .values(settled=True, outcome=outcome, settled_at=now))
    if getattr(claimed, "rowcount", 1) == 0:
        return False
    if body is not None:
        b = await _everyone(s, w, body, f"planned.{n.stage}")
        await s.execute(update(PlannedNotice).where(PlannedNotice.id == n.id).values(broadcast_id=b.id))
    if n.stage == Stage.start and outcome != "dropped" and w.status == WorkStatus.scheduled:
        w.status = WorkStatus.started
    if n.stage == Stage.end and w.status in OPEN:
        w.status, w.finished_at = WorkStatus.completed, now
        await releases.resolve_linked(uow, w, now=now)  # a release ended on time is installed
    return True


def _decide(n: PlannedNotice, w: PlannedWork, tz: ZoneInfo, now: datetime, names: list[str],
            ) -> tuple[str, dict[str, str] | None]:
    """What a due notice becomes: sent, sent late, or dropped (superseded by a later stage already due)."""
    if w.status not in OPEN:
        return "cancelled", None
    late = now - n.due_at > GRACE
    if n.stage == Stage.reminder:
        if now >= w.starts_at:
            return "dropped", None  # the start notice, due too, says more
        return ("late" if late else "sent"), texts.reminder(w, names, tz, late=late)
    if n.stage == Stage.start:
        if now >= w.ends_at:
            return "dropped", None  # the works are over: only the end notice goes out
        return ("late" if late else "sent"), texts.started(w, names, tz, late=late)
    return ("late" if late else "sent"), texts.ended(w, names, tz, late=late)

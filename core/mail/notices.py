"""Status notices by e-mail to requesters with no Telegram account (registered by line 1 after a call), and to a
Telegram requester with an e-mail the one that 001 names: work paused until they give more information.

Two jobs, like the Telegram delivery: the planner reads outbox events it has not looked at yet (`mailed_at`
empty), writes one `email_notices` row per mail and marks the events, in one transaction; the sender claims
due rows as `sending` (committed), sends with no transaction open, and settles them. A transient SMTP error
(network, 4xx, a refused login) puts the row back with a growing pause (15 s … 30 min), forever; only a
permanent refusal (5xx) is `failed`. One address's mails keep their order: a row waiting after an error makes
that address's later rows wait as long. A claim older than `stale_after` (the process died mid-send) is sent
again: at least once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from core.catalog.models import User
from core.db import utcnow
from core.mail import bulletins as bulletin
from core.mail.models import EmailNotice, MailStatus
from core.mail.notice_texts import PAUSE_KINDS, notice_mail
from core.mail.port import Mail, Mailer, MailError
from core.outbox.models import OutboxEvent
from core.uow import UnitOfWork, UowFactory

log = logging.getLogger(__name__)
MAX_PAUSE = 1800.0
GIVE_UP_POLL_AFTER = 3  # consecutive transient errors: the server is down, the rest waits for the next poll


@dataclass
class MailStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def pause(attempts: int) -> timedelta:
    """The wait after the n-th failed try: 15 s, 30 s, 1 min, … at most 30 min."""
    return timedelta(seconds=min(MAX_PAUSE, 15.0 * 2 ** max(0, attempts - 1)))


async def plan_notices(*, uow: UnitOfWork, limit: int = 200, now: datetime | None = None,
                       bulletins: bool = True) -> int:
    """Turns outbox events not yet looked at into mails (to requesters without Telegram; a service's information
    notices to all its addresses unless `bulletins` is off: no SMTP server); returns the mails."""
    now = now or utcnow()
    async with uow:
        s = uow.session
        events = list((await s.scalars(select(OutboxEvent).where(OutboxEvent.mailed_at.is_(None))
                                       .order_by(OutboxEvent.id).limit(limit))).all())
        if not events:
            return 0
        rids = {rid for ev in events if isinstance(rid := (ev.payload or {}).get("requester_id"), int)}
        users = {u.id: u for u in (await s.scalars(select(User).where(
            User.id.in_(rids), User.email.is_not(None)))).all()} if rids else {}
        planned = 0
        for ev in events:
            ev.mailed_at = now
            if ev.topic == bulletin.TOPIC:
                if bulletins:
                    planned += await bulletin.plan_bulletin(s, ev, now=now)
                else:
                    log.warning("e-mail is off (SMTP_HOST is not set): the information notice %s (%s) of %s is "
                                "not e-mailed", ev.id, (ev.payload or {}).get("kind"),
                                ", ".join((ev.payload or {}).get("services") or []))
                continue
            p: dict[str, Any] = ev.payload or {}
            user = users.get(p.get("requester_id"))  # type: ignore[arg-type]
            if user is None or not user.email or (p.get("actor_kind") == "user" and p.get("actor_id") == user.id):
                continue
            # Telegram tells its users everything; 001 wants the pause for their answer e-mailed to them as well
            mail = notice_mail(ev.topic, p, to=user.email, locale=user.locale or "ru",
                               only=PAUSE_KINDS if user.tg_id is not None else None, telegram=user.tg_id is not None)
            if mail is None:
                continue
            s.add(EmailNotice(event_id=ev.id, user_id=user.id, address=mail.to, subject=mail.subject[:300],
                              body=mail.body, status=MailStatus.pending, attempts=0, next_at=now, created_at=now))
            planned += 1
        await uow.commit()
        return planned


async def _claim(uow: UnitOfWork, *, limit: int, stale_after: float, now: datetime) -> list[EmailNotice]:
    async with uow:
        stale = now - timedelta(seconds=stale_after)
        rows = list((await uow.session.scalars(
            select(EmailNotice).where(or_(and_(EmailNotice.status == MailStatus.pending, EmailNotice.next_at <= now),
                                          and_(EmailNotice.status == MailStatus.sending, EmailNotice.next_at <= stale)))
            .order_by(EmailNotice.id).limit(limit))).all())
        for r in rows:
            r.status, r.attempts, r.next_at = MailStatus.sending, r.attempts + 1, now
        await uow.commit()
        return rows


async def _settle(uow: UnitOfWork, row: EmailNotice, *, status: str, error: str | None, now: datetime) -> None:
    async with uow:
        s = uow.session
        values: dict[str, Any] = {"status": status, "error": (error or "")[:500] or None}
        if status == MailStatus.sent:
            values["sent_at"] = now
        if status == MailStatus.pending:
            values["next_at"] = now + pause(row.attempts)
            # this address's later mails wait behind it: a person reads their notices in order
            await s.execute(update(EmailNotice).where(
                EmailNotice.address == row.address, EmailNotice.id > row.id,
                EmailNotice.status.in_((MailStatus.pending, MailStatus.sending))).values(next_at=values["next_at"]))
        await s.execute(update(EmailNotice).where(EmailNotice.id == row.id).values(**values))
        await uow.commit()


async def send_notices(*, uow: UowFactory, mailer: Mailer, limit: int = 20, stale_after: float = 300.0,
                       now: datetime | None = None) -> MailStats:
    """Sends the due mails (its own short transactions around each send); returns what happened."""
    stats = MailStats()
    rows = await _claim(uow(), limit=limit, stale_after=stale_after, now=now or utcnow())
    stats.claimed = len(rows)
    waiting: set[str] = set()
    untried: list[int] = []
    errors = 0
    for row in rows:
        if row.address in waiting or errors >= GIVE_UP_POLL_AFTER:
            untried.append(row.id)
            continue
        try:
            await mailer.send(Mail(to=row.address, subject=row.subject, body=row.body, sender=row.sender))
        except MailError as exc:
            if not exc.transient:
                log.error("e-mail notice %s to %s refused for good: %s", row.id, row.address, exc.message)
                await _settle(uow(), row, status=MailStatus.failed, error=exc.message, now=now or utcnow())
                stats.failed += 1
                continue
            errors += 1
            waiting.add(row.address)
            log.warning("e-mail notice %s to %s not sent (%s): tried again in %s", row.id, row.address,
                        exc.message, pause(row.attempts))
            await _settle(uow(), row, status=MailStatus.pending, error=exc.message, now=now or utcnow())
            stats.retried += 1
            continue
        errors = 0
        await _settle(uow(), row, status=MailStatus.sent, error=None, now=now or utcnow())
        stats.sent += 1
    if untried:  # given back uncounted; an address's later mails keep the pause its failed one got
        async with uow() as u:
            await u.session.execute(update(EmailNotice).where(EmailNotice.id.in_(untried)).values(
                status=MailStatus.pending, attempts=EmailNotice.attempts - 1))
            await u.commit()
    return stats

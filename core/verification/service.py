"""Verification use cases: send a code to a work e-mail, confirm it, approve a person by hand, and the gate.

Sending is two steps on purpose: the code is stored and committed first, then mailed with no transaction open
(an SMTP round trip must not hold SQLite's one writer); a mail the server refused removes the code again, so
the person may ask at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete

from core.catalog import people
from core.catalog.models import User
from core.db import utcnow
from core.errors import NotFound
from core.mail.port import Mailer, MailError
from core.uow import UnitOfWork
from core.verification import codes
from core.verification.codes import Policy
from core.verification.errors import CodeRefused, EmailRefused, MailNotSent, ResendTooSoon
from core.verification.models import EmailCode, UserVerification
from core.verification.texts import code_mail


@dataclass(frozen=True, slots=True)
class Status:
    user_id: int
    verified: bool
    method: str | None  # "email" | "manual" | None
    email: str | None  # the profile's e-mail
    approved_by: str | None
    verified_at: datetime | None
    pending_email: str | None  # where a code waits to be typed


@dataclass(frozen=True, slots=True)
class CodeSent:
    email: str
    expires_at: datetime
    delivered: bool  # False: no SMTP server, the mail went to the log


def holds(user: User, v: UserVerification | None) -> bool:
    """A manual approval always holds; an e-mail one while the profile keeps that address."""
    if v is None:
        return False
    if v.method == "manual":
        return True
    return bool(user.email and v.email and user.email.lower() == v.email.lower())


async def _user(uow: UnitOfWork, user_id: int) -> User:
    user = await uow.session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


async def _status_in(uow: UnitOfWork, user: User) -> Status:
    v = await uow.session.get(UserVerification, user.id)
    pending = await uow.session.get(EmailCode, user.id)
    ok = holds(user, v)
    return Status(user_id=user.id, verified=ok, method=v.method if ok and v else None, email=user.email,
                  approved_by=v.approved_by if ok and v else None, verified_at=v.verified_at if ok and v else None,
                  pending_email=pending.email if pending is not None else None)


async def status(*, uow: UnitOfWork, user_id: int) -> Status:
    """Whether a person is verified, how, and where a code is waiting."""
    async with uow:
        return await _status_in(uow, await _user(uow, user_id))


async def may_file(*, uow: UnitOfWork, user_id: int, policy: Policy) -> bool:
    """True when the person may file tickets: verification is off, or they are verified (read fresh)."""
    if not policy.required:
        return True
    return (await status(uow=uow, user_id=user_id)).verified


def check_email(email: str, policy: Policy) -> str:
    """The address without blanks, or EmailRefused (format, domain)."""
    email = email.strip()
    if not codes.is_email(email) or len(email) > 300:
        raise EmailRefused("format", "Это не похоже на адрес почты", email=email)
    if not codes.domain_allowed(email, policy.domains):
        raise EmailRefused("domain", "Адрес должен быть в домене компании: " + ", ".join(
            "@" + d for d in policy.domains), email=email)
    return email


async def _address_for(uow: UnitOfWork, email: str, user: User, *, take: bool) -> None:
    """Refuses an address another person keeps: one line 1 registered, or one confirmed it. A Telegram profile
    that only typed it (never confirmed) gives it up to the person who confirms it (`take`), so nobody can block
    a colleague's address by typing it first."""
    other = await people.by_email(uow.session, email)
    if other is None or other.id == user.id:
        return
    if other.tg_id is None or holds(other, await uow.session.get(UserVerification, other.id)):
        raise EmailRefused("taken", people.TAKEN["email"], email=email)
    if take:
        other.email = None
        other.profile_complete = bool(other.full_name and other.login and other.region)
        await uow.session.flush()  # before this person's UPDATE: the unique index must never see the address twice


def _seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


async def send_code(*, uow: UnitOfWork, mailer: Mailer, policy: Policy, user_id: int, email: str | None = None,
                    locale: str = "ru", now: datetime | None = None) -> CodeSent:
    """Makes a new code for `email` (None: the address of the pending code) and mails it."""
    now = now or utcnow()
    async with uow:
        user = await _user(uow, user_id)
        row = await uow.session.get(EmailCode, user_id)
        if email is None:
            if row is None:
                raise CodeRefused("none")
            email = row.email
        email = check_email(email, policy)
        await _address_for(uow, email, user, take=False)
        code = codes.new_code()
        if row is None:
            row = EmailCode(user_id=user_id, email=email, code_hash=codes.hash_code(code), expires_at=now + policy.ttl,
                            attempts=0, sent_at=now, sends=1, window_started_at=now)
            uow.session.add(row)
        else:
            wait = codes.resend_wait(sent_at=row.sent_at, sends=row.sends, window_started_at=row.window_started_at,
                                     now=now, policy=policy)
            if wait > timedelta(0):
                raise ResendTooSoon(_seconds(wait))
            if now - row.window_started_at >= timedelta(hours=1):
                row.window_started_at, row.sends = now, 0
            row.email, row.code_hash, row.expires_at = email, codes.hash_code(code), now + policy.ttl
            row.attempts, row.sent_at, row.sends = 0, now, row.sends + 1
        expires = row.expires_at
        await uow.commit()
    mail = code_mail(to=email, code=code, minutes=max(1, round(policy.ttl.total_seconds() / 60)), locale=locale)
    try:
        await mailer.send(mail)
    except MailError as exc:
        async with uow:  # the code never arrived: forget it, so asking again is not throttled
            await uow.session.execute(delete(EmailCode).where(EmailCode.user_id == user_id))
            await uow.commit()
        raise MailNotSent(f"the mail server did not take the mail: {exc.message}") from exc
    return CodeSent(email=email, expires_at=expires, delivered=mailer.delivers)


async def confirm_code(*, uow: UnitOfWork, policy: Policy, user_id: int, code: str,
                       now: datetime | None = None) -> Status:
    """Checks a typed code; the right one writes the address into the profile and verifies the person."""
    now = now or utcnow()
    async with uow:
        user = await _user(uow, user_id)
        row = await uow.session.get(EmailCode, user_id)
        if row is None:
            raise CodeRefused("none")
        if row.attempts >= policy.max_attempts:
            raise CodeRefused("attempts")
        if now >= row.expires_at:
            raise CodeRefused("expired")
        if not codes.code_matches(code, row.code_hash):
            row.attempts += 1
            left = policy.max_attempts - row.attempts
            await uow.commit()  # a wrong try counts even though the use case refuses
            raise CodeRefused("wrong" if left > 0 else "attempts", left=left)
        await _address_for(uow, row.email, user, take=True)
        user.email = row.email
        await _verify_in(uow, user, method="email", email=row.email, approved_by=None, now=now)
        await uow.session.delete(row)
        uow.add_event("user.verified", {"user_id": user.id, "method": "email"})
        await uow.commit()
        return await _status_in(uow, user)


async def _verify_in(uow: UnitOfWork, user: User, *, method: str, email: str | None, approved_by: str | None,
                     now: datetime) -> None:
    v = await uow.session.get(UserVerification, user.id)
    if v is None:
        uow.session.add(UserVerification(user_id=user.id, method=method, email=email, approved_by=approved_by,
                                         verified_at=now))
    else:
        v.method, v.email, v.approved_by, v.verified_at = method, email, approved_by, now
    await uow.session.flush()


async def approve(*, uow: UnitOfWork, user_id: int, approved_by: str | None = None,
                  now: datetime | None = None) -> Status:
    """Line 1 approves a person by hand (idempotent: a second approval keeps the first one)."""
    now = now or utcnow()
    async with uow:
        user = await _user(uow, user_id)
        v = await uow.session.get(UserVerification, user.id)
        if v is None or v.method != "manual":
            await _verify_in(uow, user, method="manual", email=None, approved_by=approved_by, now=now)
            await uow.session.execute(delete(EmailCode).where(EmailCode.user_id == user.id))
            uow.add_event("user.verified", {"user_id": user.id, "method": "manual"})
            await uow.commit()
        return await _status_in(uow, user)

"""Information notices by e-mail to all users of a service (003 «Рассылка уведомлений пользователям Системы»).

«Рассылка осуществляется с темой письма «Информационное письмо NTTM» с электронного адреса NTTM-support@RT.RU на
адреса всех пользователей системы. Выгрузка адресов пользователей осуществляется из БД Системы на регулярной основе».

An outage or works notice writes one `notice.email` outbox event in its own transaction (`add_bulletin`); the mail
planner (core.mail.notices) turns it into one `email_notices` row per address: the service's users with an e-mail
in their profile and the address list an administrator loaded for the service (`replace_addresses`), each address
once, with the subject and sender of the first of the notice's services it belongs to. The sender sends and
retries them like every other mail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from html import unescape
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.intake import EMAIL_RE
from core.catalog.models import Service, User
from core.errors import NotFound, ValidationFailed
from core.mail.models import EmailNotice, MailStatus, ServiceMailAddress
from core.outbox.models import OutboxEvent
from core.uow import UnitOfWork

TOPIC = "notice.email"
MAX_ADDRESSES = 100_000
_TAG = re.compile(r"<[^>]+>")
FOOTER = {"ru": "Это письмо отправлено автоматически, отвечать на него не нужно.",
          "en": "This mail was sent automatically; there is no need to reply to it."}


def plain(html: str) -> str:
    """The plain text of a notice written for Telegram (our own tags dropped, entities back to characters)."""
    return unescape(_TAG.sub("", html)).strip()


def add_bulletin(session: AsyncSession, *, kind: str, services: Sequence[str], texts: dict[str, str],
                 subject: str | None = None, releases: bool = False) -> OutboxEvent:
    """Puts the e-mail of a notice to all users of `services` into the caller's transaction (the outbox)."""
    ev = OutboxEvent(topic=TOPIC, payload={"kind": kind, "services": list(services), "texts": dict(texts),
                                           "subject": subject, "releases": releases})
    session.add(ev)
    return ev


def clean_address(value: str) -> str | None:
    """An address as kept (stripped, lowercased), or None when it is not one."""
    a = value.strip().lower()
    return a if len(a) <= 300 and EMAIL_RE.match(a) else None


Recipient = tuple[str, str, int | None, str]  # address, service code, user id, locale


async def _recipients(s: AsyncSession, codes: list[str], *, releases: bool) -> list[Recipient]:
    """Every address of these services, each once (whatever its case), with the first service it belongs to."""
    from core.outages.audience import audience_ids

    out: dict[str, Recipient] = {}
    for code in codes:
        users = (await s.execute(select(User.email, User.id, User.locale).where(
            User.id.in_(audience_ids([code], releases=releases)), User.email.is_not(None))
            .order_by(User.id))).all()
        loaded = (await s.scalars(select(ServiceMailAddress.address).where(ServiceMailAddress.service_code == code)
                                  .order_by(ServiceMailAddress.id))).all()
        for address, uid, locale in [*users, *((a, None, "ru") for a in loaded)]:
            key = (address or "").strip().lower()
            if key and key not in out:
                out[key] = (str(address).strip(), code, uid, locale or "ru")
    return list(out.values())


async def plan_bulletin(s: AsyncSession, ev: OutboxEvent, *, now: datetime) -> int:
    """The mails of one `notice.email` event (in the planner's transaction); returns how many."""
    p: dict[str, Any] = ev.payload or {}
    codes = [str(c) for c in p.get("services") or []]
    services = {sv.code: sv for sv in (await s.scalars(select(Service).where(Service.code.in_(codes)))).all()}
    texts: dict[str, str] = {k: plain(str(v)) for k, v in (p.get("texts") or {}).items()}
    if not texts.get("ru"):
        return 0
    n = 0
    for address, code, uid, locale in await _recipients(s, codes, releases=bool(p.get("releases"))):
        sv = services.get(code)
        # the subject is the service's, as its regulation gives it (one language: the users' own)
        subject = (sv.notice_subject if sv is not None and sv.notice_subject
                   else f"Информационное письмо {sv.name if sv is not None else code}")
        loc = locale if texts.get(locale) and locale in FOOTER else "ru"
        s.add(EmailNotice(event_id=ev.id, user_id=uid, address=address, subject=subject[:300],
                          sender=sv.notice_from if sv is not None else None,
                          body=f"{texts[loc]}\n\n—\n{FOOTER[loc]}", status=MailStatus.pending, attempts=0,
                          next_at=now, created_at=now))
        n += 1
    return n


async def replace_addresses(*, uow: UnitOfWork, service_code: str, addresses: Sequence[str]) -> tuple[int, list[str]]:
    """Replaces a service's loaded address list with a new export; returns how many were kept and those refused."""
    kept: dict[str, None] = {}
    refused: list[str] = []
    for a in addresses:
        c = clean_address(a)
        if c is None:
            refused.append(a)
        else:
            kept[c] = None
    if len(kept) > MAX_ADDRESSES:
        raise ValidationFailed("too many addresses", fields={"addresses": f"не больше {MAX_ADDRESSES}"})
    async with uow:
        s = uow.session
        if await s.scalar(select(Service.id).where(Service.code == service_code)) is None:
            raise NotFound(f"service '{service_code}' not found")
        await s.execute(delete(ServiceMailAddress).where(ServiceMailAddress.service_code == service_code))
        s.add_all([ServiceMailAddress(service_code=service_code, address=a) for a in kept])
        await uow.commit()
    return len(kept), refused


async def list_addresses(*, uow: UnitOfWork, service_code: str, offset: int = 0,
                         limit: int = 100) -> tuple[list[str], int]:
    """One page of a service's loaded addresses, with their total."""
    async with uow:
        s = uow.session
        if await s.scalar(select(Service.id).where(Service.code == service_code)) is None:
            raise NotFound(f"service '{service_code}' not found")
        total = await s.scalar(select(func.count()).select_from(ServiceMailAddress)
                               .where(ServiceMailAddress.service_code == service_code)) or 0
        rows = (await s.scalars(select(ServiceMailAddress.address)
                                .where(ServiceMailAddress.service_code == service_code)
                                .order_by(ServiceMailAddress.address).offset(offset).limit(limit))).all()
        return list(rows), total

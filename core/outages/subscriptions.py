"""A service's audience beyond reports: users who subscribe in the bot, users an administrator adds by CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from core.catalog.models import Service, User
from core.errors import NotFound
from core.outages.models import ServiceSubscription
from core.tickets.models import Ticket
from core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    code: str
    name: str
    subscribed: bool
    uses: bool  # they reported on it: its outages cannot be turned off
    releases: bool


@dataclass(frozen=True, slots=True)
class AudienceImport:
    added: int
    already: int
    unknown: list[str]


async def add_audience_csv(*, uow: UnitOfWork, service_code: str, csv_text: str) -> AudienceImport:
    """Adds the users named by login or e-mail (one a line, or the first column of a CSV) to the audience."""
    keys = [row[0].strip() for row in csv.reader(io.StringIO(csv_text)) if row and row[0].strip()]
    if keys and keys[0].lower() in ("login", "email", "e-mail", "логин"):
        keys = keys[1:]
    async with uow:
        s = uow.session
        if await s.scalar(select(Service.id).where(Service.code == service_code)) is None:
            raise NotFound(f"service '{service_code}' not found")
        added = already = 0
        unknown: list[str] = []
        for key in dict.fromkeys(keys):
            uid = await s.scalar(select(User.id).where(or_(func.lower(User.login) == key.lower(),
                                                           func.lower(User.email) == key.lower())))
            if uid is None:
                unknown.append(key)
                continue
            sub = await s.scalar(select(ServiceSubscription).where(ServiceSubscription.user_id == uid,
                                                                  ServiceSubscription.service_code == service_code))
            if sub is not None and sub.active:
                already += 1
                continue
            if sub is None:
                s.add(ServiceSubscription(user_id=uid, service_code=service_code, source="admin", active=True,
                                          releases=True))
            else:
                sub.active, sub.source = True, "admin"
            added += 1
        await uow.commit()
    return AudienceImport(added=added, already=already, unknown=unknown)


async def list_for_user(*, uow: UnitOfWork, user_id: int) -> list[SubscriptionView]:
    """Every active service with this user's subscription state."""
    async with uow:
        s = uow.session
        services = (await s.execute(select(Service.code, Service.name).where(Service.active.is_(True))
                                    .order_by(Service.id))).all()
        subs = {x.service_code: x for x in (await s.scalars(select(ServiceSubscription)
                                                           .where(ServiceSubscription.user_id == user_id))).all()}
        used = set((await s.scalars(select(Service.code).join(Ticket, Ticket.service_id == Service.id)
                                    .where(Ticket.requester_id == user_id))).all())
    return [SubscriptionView(code=c, name=n, subscribed=bool(subs.get(c) and subs[c].active), uses=c in used,
                             releases=subs[c].releases if c in subs else True) for c, n in services]


async def set_subscription(*, uow: UnitOfWork, user_id: int, service_code: str, on: bool | None = None,
                           releases: bool | None = None) -> None:
    """Turns a service's notices on/off for a user; releases separately (outages of a used service stay on)."""
    async with uow:
        s = uow.session
        sub = await s.scalar(select(ServiceSubscription).where(ServiceSubscription.user_id == user_id,
                                                              ServiceSubscription.service_code == service_code))
        if sub is None:
            sub = ServiceSubscription(user_id=user_id, service_code=service_code, source="user", active=False,
                                      releases=True)
            s.add(sub)
        if on is not None:
            sub.active = on
        if releases is not None:
            sub.releases = releases
        await uow.commit()

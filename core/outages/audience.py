"""Who hears about a service: its lines' chats and service managers (always), and its audience of users.

The audience: users who reported on the service, users who subscribed in the bot, users an administrator
added. Outages reach all of them; a release notice skips those who turned releases off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, false, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession

from core.broadcasts.models import BroadcastRecipient, RecipientStatus
from core.broadcasts.service import ChatTarget
from core.catalog.models import LineGroup, Service, Staff, User
from core.outages.models import ServiceSubscription
from core.staffdesk.models import ALL_SERVICES, ChatStatus, LineChat
from core.tickets.models import Ticket

FIRST_LINE = "line1"


async def service_chats(session: AsyncSession, codes: Sequence[str]) -> list[int]:
    """The bound chats of the lines that work on these services (the one lookup of where chats live)."""
    rows = (await session.execute(
        select(LineChat.chat_id).join(LineGroup, LineGroup.code == LineChat.group_code)
        .where(LineChat.status == ChatStatus.active,
               or_(LineChat.service_code.in_(codes), LineChat.service_code == ALL_SERVICES),
               or_(LineGroup.service_code.in_(codes), LineGroup.service_code.is_(None)))
        .order_by(LineGroup.order, LineChat.id))).all()
    return list(dict.fromkeys(int(c) for (c,) in rows))


async def line1_chat(session: AsyncSession) -> int | None:
    """Line 1's chat (the desk's shared 1ЛТП group): progress of broadcasts goes there."""
    return await session.scalar(select(LineChat.chat_id).join(LineGroup, LineGroup.code == LineChat.group_code)
                                .where(LineGroup.level == FIRST_LINE, LineGroup.service_code.is_(None),
                                       LineChat.service_code == ALL_SERVICES, LineChat.status == ChatStatus.active)
                                .order_by(LineGroup.order, LineChat.id).limit(1))


async def managers(session: AsyncSession, codes: Sequence[str]) -> list[ChatTarget]:
    """The service managers of these services (and shared ones) with a Telegram account."""
    rows = (await session.execute(
        select(User.tg_id, User.id, User.locale).join(Staff, Staff.user_id == User.id)
        .join(LineGroup, LineGroup.code == Staff.line_code)
        .where(Staff.is_service_manager == true(), Staff.active == true(), User.tg_id.is_not(None),
               or_(LineGroup.service_code.in_(codes), LineGroup.service_code.is_(None))))).all()
    return [ChatTarget(chat_id=int(tg), user_id=uid, locale=loc) for tg, uid, loc in rows if tg is not None]


def audience_ids(codes: Sequence[str], *, releases: bool = False) -> Select[Any]:
    """Ids of the users in these services' audience (for a release: without those who turned releases off)."""
    reporters = (select(Ticket.requester_id.label("uid")).join(Service, Service.id == Ticket.service_id)
                 .where(Service.code.in_(codes)))
    subscribed = select(ServiceSubscription.user_id.label("uid")).where(
        ServiceSubscription.service_code.in_(codes), ServiceSubscription.active == true())
    everyone = union(reporters, subscribed).subquery()
    ids = select(everyone.c.uid)
    if releases:
        off = select(ServiceSubscription.user_id).where(ServiceSubscription.service_code.in_(codes),
                                                        ServiceSubscription.releases == false())
        ids = ids.where(everyone.c.uid.not_in(off))
    return ids


async def told_before(session: AsyncSession, broadcast_ids: Sequence[int]) -> list[ChatTarget]:
    """Every chat an earlier notice reached (sent, or maybe sent), once; a pinned notice is to be unpinned."""
    rows = (await session.execute(
        select(BroadcastRecipient.chat_id, BroadcastRecipient.user_id, BroadcastRecipient.locale,
               BroadcastRecipient.pin, BroadcastRecipient.message_id)
        .where(BroadcastRecipient.broadcast_id.in_(broadcast_ids),
               BroadcastRecipient.status.in_((RecipientStatus.sent, RecipientStatus.uncertain)))
        .order_by(BroadcastRecipient.id))).all()
    out: dict[int, ChatTarget] = {}
    for chat, uid, loc, pin, mid in rows:
        prev = out.get(chat)
        unpin = mid if pin and mid else (prev.unpin_message_id if prev else None)
        out[chat] = ChatTarget(chat_id=chat, user_id=uid, locale=loc, unpin_message_id=unpin)
    return list(out.values())

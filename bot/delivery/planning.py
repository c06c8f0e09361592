"""Who gets an outbox event: planners turn an event into targets (chat + text + buttons).

The requester planner is built in; other parts (e.g. staff group chats) append theirs to the root's
`delivery_planners` (the same list as `DeliveryContext.planners`), so one worker and one at-least-once
bookkeeping serve all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.limiter import RateLimiter
from bot.delivery.render import Texts, render
from core.catalog.models import Staff, User
from core.outbox.models import OutboxEvent
from core.settings import Settings
from core.tickets.models import Attachment, Ticket

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.utils.i18n import I18n


# stores a group's new chat id (after Telegram migrated it to a supergroup) where the planner found the old one
Rekey = Callable[[AsyncSession, int, int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Target:
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    user_id: int | None = None  # the core user behind a private chat, marked unreachable on 403
    rekey: Rekey | None = None  # (session, old chat id, new chat id), in the worker's bookkeeping transaction
    held: str | None = None  # why this chat cannot get it now (a broken line chat): kept, sent once it is rebound
    thread_id: int | None = None  # a forum topic of the chat (message_thread_id)
    wait: str | None = None  # why it cannot go yet (its topic is being created): not sent, planned again next poll
    files: tuple[tuple[str, str], ...] = ()  # (file_kind(), file_id) sent after the text (none when it is "")
    captions: tuple[str, ...] = ()  # the captions of the first files, in order
    thread_gone: Callable[[], Awaitable[None]] | None = None  # Telegram says the topic is gone: forget it
    # Telegram says the topic is closed (someone closed it by hand): reopened with the bot; False when refused
    thread_closed: Callable[[Bot], Awaitable[bool]] | None = None
    outside: str | None = None  # the text for the chat's general feed when the closed topic cannot be reopened
    closed_now: bool = False  # the topic is known closed (by hand): thread_closed runs before the first send


Planner = Callable[[AsyncSession, OutboxEvent, "DeliveryContext"], Awaitable[list[Target]]]


@dataclass
class DeliveryContext:
    """What the worker and the planners use; built by the composition root once the bot exists."""

    bot: Bot
    session_factory: async_sessionmaker[AsyncSession]
    settings: Settings
    i18n: I18n | None
    planners: list[Planner] = field(default_factory=list)  # the other parts' planners, after the requester's
    limiter: RateLimiter = field(default_factory=RateLimiter)  # one per process: Telegram's limits are global


async def plan_requester(session: AsyncSession, ev: OutboxEvent, ctx: DeliveryContext) -> list[Target]:
    """The requester's private chat, unless they caused the event themselves or cannot be reached."""
    p: dict[str, Any] = ev.payload or {}
    rid = p.get("requester_id")
    if not ev.topic.startswith("ticket.") or rid is None:
        return []
    if p.get("actor_kind") == "user" and p.get("actor_id") == rid:
        return []  # the dialog already answered them
    user = await session.get(User, rid)
    if user is None or user.tg_id is None or user.unreachable:
        return []
    channel = None
    if ev.topic == "ticket.registered":
        ticket = await session.get(Ticket, ev.ticket_id or p.get("ticket_id"))
        channel = ticket.channel if ticket is not None else None
    files: tuple[tuple[str, str], ...] = ()
    if ev.topic == "ticket.comment" and p.get("actor_kind") == "staff" and p.get("public"):
        author = await session.get(Staff, p.get("actor_id")) if ctx.settings.relay_staff_name else None
        p = {**p, "author": author.user.full_name if author is not None else None}  # RELAY_STAFF_NAME
        files = await comment_files(session, p.get("comment_id"))
    tr = Texts(ctx.i18n, user.locale if user.locale in ("ru", "en") else "ru")
    notice = render(ev.topic, p, channel=channel, tr=tr, autoclose_days=ctx.settings.autoclose_working_days)
    if notice is None:
        return []
    return [Target(chat_id=user.tg_id, text=notice.text, markup=notice.markup, user_id=user.id, files=files)]


async def comment_files(session: AsyncSession, comment_id: Any) -> tuple[tuple[str, str], ...]:
    """The files of a comment as (file_kind, file_id), to be sent after its text."""
    if not isinstance(comment_id, int):
        return ()
    rows = (await session.scalars(select(Attachment).where(Attachment.comment_id == comment_id)
                                  .order_by(Attachment.id))).all()
    return tuple((file_kind(a.name, a.mime, a.kind), a.file_id) for a in rows)


def file_kind(name: str, mime: str | None, kind: str | None = None) -> str:
    """How a stored file is sent back: photo, voice, audio or document (handlers.common.file_ref's kinds).

    A file id goes back only with its own kind's method: Telegram refuses a photo's id in sendDocument («can't use
    file of type Photo as Document»), and a voice note sent as a document is no longer played as one. Rows from
    before the kind was kept: a photo by file_ref's name for it, anything else as a document."""
    if kind in ("photo", "voice", "audio", "document"):
        return kind
    return "photo" if name.startswith("photo_") and mime == "image/jpeg" else "document"


async def prefetch(session: AsyncSession, events: list[OutboxEvent]) -> list[User]:
    """Loads every requester of a batch in one query, so the planners' session.get() hits the identity map.

    The identity map holds objects weakly: keep the returned list while planning.
    """
    ids = {rid for ev in events if isinstance(rid := (ev.payload or {}).get("requester_id"), int)}
    return list((await session.scalars(select(User).where(User.id.in_(ids)))).all()) if ids else []


def planners(ctx: DeliveryContext) -> list[Planner]:
    return [plan_requester, *ctx.planners]

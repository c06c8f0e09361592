"""The card sync: every dirty card is posted, or edited in place, with the ticket's newest state.

Coalescing comes from the dirty mark: changes made before a card's turn are one edit. Each chat's budget
(20 messages a minute, shared with the delivery worker's notices through the one limiter) is never waited
for here: a chat with no slot free keeps its cards dirty for the next run, in the order they changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.limiter import RateLimiter
from bot.staffchat.card import content_hash, moved_text, render_markup, render_text
from bot.staffchat.topics import (
    THREAD_GONE,
    TOPIC_CLOSED,
    ensure_topic,
    reopener,
    topic_color,
    topic_name,
    topic_refusal,
)
from core.catalog.models import Service
from core.staffdesk import cards, chats, topics
from core.staffdesk.models import ChatStatus
from core.tickets.lifecycle import FINAL
from core.tickets.models import Ticket
from core.uow import UowFactory

log = logging.getLogger(__name__)
NOT_MODIFIED = "message is not modified"
GONE_MESSAGE = ("message to edit not found", "message_id_invalid", "message can't be edited")


@dataclass
class SyncStats:
    posted: int = 0
    edited: int = 0
    unchanged: int = 0
    waiting: int = 0  # no slot in the chat's budget (or no usable chat): next run
    reposted: int = 0
    topics: int = 0  # forum topics created (the card follows on the next pass: the creation took the slot)


@dataclass
class _Rendered:
    ticket_id: int
    seq: int
    chat_id: int
    message_id: int | None
    text: str
    markup: InlineKeyboardMarkup | None
    digest: str
    forum: bool = False
    topic: tuple[str, int] = ("", 0)  # a forum card's topic: its name and colour at creation
    close: bool = False  # the ticket is finished and its topic still open in Telegram: it is closed
    reopen: bool = False  # its topic was closed by hand and the ticket's work changed since: reopened first
    left: tuple[int, int] | None = None  # (chat, message) of the card it replaces there: told where it went
    left_text: str = ""


# a chat whose next slot is this close is waited for within the pass: skipping it until the next pass (every
# CARD_SYNC_SECONDS) left every slot idle for part of a pass, 15 messages a minute of the group's 20
WAIT_IN_PASS = 2.0  # CARD_SYNC_SECONDS by default: a slot due before the next pass is waited for now
TOPIC_SAME = "topic_not_modified"  # Telegram's answer to closing a closed topic


async def sync_cards(*, uow: UowFactory, bot: Bot, limiter: RateLimiter, tz: ZoneInfo, limit: int = 200,
                     now: datetime | None = None) -> SyncStats:
    """One pass over the dirty cards, oldest change first."""
    stats = SyncStats()
    full: set[int] = set()  # chats whose budget is spent for this pass: their later cards keep their place
    for item in await _render_dirty(uow, tz=tz, limit=limit, now=now, limiter=limiter):
        if item is None:
            stats.waiting += 1
            continue
        if item.chat_id in full:
            stats.waiting += 1
            continue
        if item.message_id is not None and item.digest == "same":
            stats.unchanged += 1
            continue
        if limiter.wait_time(item.chat_id) > WAIT_IN_PASS:
            full.add(item.chat_id)
            stats.waiting += 1
            continue
        await limiter.acquire(item.chat_id)
        try:
            thread = None
            if item.forum:
                thread, made = await ensure_topic(bot=bot, uow=uow, ticket_id=item.ticket_id, chat_id=item.chat_id,
                                                  name=item.topic[0], icon_color=item.topic[1])
                if thread is None or made:  # being made by another pass, or made now with this slot: next pass
                    stats.topics += made
                    full.add(item.chat_id)
                    stats.waiting += 1
                    continue
            if item.reopen and thread is not None:  # before the card: its news is what staff must act on
                await limiter.acquire(item.chat_id)
                await reopener(uow, item.chat_id, thread)(bot)
            message_id = await _show(bot, item, stats, thread)
            await _store(uow, item, message_id)
            if item.left is not None:
                await _retire(bot, limiter, item)
            if item.close and thread is not None:
                await _close_topic(bot, uow, limiter, item, thread)
            continue
        except TelegramRetryAfter as exc:
            # the worker (and with shared limits every process) respects the same pause; nobody sleeps here
            await limiter.pause(exc.retry_after, wait=False)
            full.add(item.chat_id)
            stats.waiting += 1
            continue
        except TelegramMigrateToChat as exc:
            await _migrated(uow, item.chat_id, exc.migrate_to_chat_id)
            stats.waiting += 1
            continue
        except TelegramForbiddenError as exc:
            await chats.mark_broken(uow=uow(), chat_id=item.chat_id, reason=exc.message)
            stats.waiting += 1
            continue
        except TelegramBadRequest as exc:  # refused for this card only: logged, tried again next pass
            broken = topic_refusal(exc.message) if item.forum else None
            if broken is not None:  # no topic can be made there: the chat is broken (line 1 told) until fixed
                await chats.mark_broken(uow=uow(), chat_id=item.chat_id, reason=broken)
                stats.waiting += 1
                continue
            if item.forum and TOPIC_CLOSED in exc.message.lower() and thread is not None:
                # closed by hand while the ticket still has news: reopened, the card goes in on the next pass
                await reopener(uow, item.chat_id, thread)(bot)
                stats.waiting += 1
                continue
            if item.forum and THREAD_GONE in exc.message.lower() and thread is not None:
                await topics.gone(uow=uow(), chat_id=item.chat_id, thread_id=thread)  # a new one next pass
                log.warning("topic %s of ticket %s was deleted: recreated next pass", thread, item.ticket_id)
                stats.waiting += 1
                continue
            log.error("card of ticket %s refused by Telegram: %s", item.ticket_id, exc.message)
            stats.waiting += 1
            continue
    return stats


async def _close_topic(bot: Bot, uow: UowFactory, limiter: RateLimiter, item: _Rendered, thread: int) -> None:
    """A finished ticket's topic is closed, so the forum's open topics are the open work (a final status is never
    left, so a topic is never reopened)."""
    try:
        await limiter.acquire(item.chat_id)
        await bot.close_forum_topic(chat_id=item.chat_id, message_thread_id=thread)
    except TelegramBadRequest as exc:
        if TOPIC_SAME not in exc.message.lower():  # already closed by hand in Telegram: just noted below
            log.warning("topic %s of ticket %s not closed: %s", thread, item.ticket_id, exc.message)
            return
    except TelegramAPIError as exc:  # a 429 or Telegram down: the card is dirty again, the next pass retries
        if isinstance(exc, TelegramRetryAfter):
            await limiter.pause(exc.retry_after, wait=False)
        work = uow()
        async with work:
            await cards.mark_dirty(work.session, ticket_id=item.ticket_id)
            await work.commit()
        return
    await topics.set_closed(uow=uow(), ticket_id=item.ticket_id)


async def _render_dirty(uow: UowFactory, *, tz: ZoneInfo, limit: int, now: datetime | None,
                        limiter: RateLimiter) -> list[_Rendered | None]:
    """The dirty cards rendered in one read transaction; the unchanged ones are marked clean on the way.

    A chat gets one render per free slot of its budget: under a burst the cards behind are not rendered
    (and re-rendered) pass after pass, they wait, still dirty, in their order.
    """
    out: list[_Rendered | None] = []
    taken: set[int] = set()
    work = uow()
    async with work:
        s = work.session
        for card in await cards.dirty_cards(s, limit=limit):
            chat = card.chat_id if card.chat_id is not None else await _chat_of(s, card.ticket_id)
            if chat is not None and (chat in taken or limiter.wait_time(chat) > WAIT_IN_PASS):
                out.append(None)
                continue
            f = await cards.facts(work, ticket_id=card.ticket_id, now=now)
            if f is None:
                continue
            row = await chats.binding_for(s, group_code=f.line, service_code=f.service_code)
            if row is None or row.status != ChatStatus.active:
                out.append(None)  # no chat yet, or a broken one: the card waits (still dirty)
                continue
            text, markup = render_text(f, tz=tz), render_markup(f)
            digest = content_hash(text, markup)
            same_place = card.chat_id == row.chat_id and card.message_id is not None
            if same_place and row.forum:  # a card posted before forum mode (in General) moves into a topic
                same_place = await topics.thread_of(s, ticket_id=card.ticket_id, chat_id=row.chat_id) is not None
            close = row.forum and f.status in FINAL and await topics.closed_state(
                s, ticket_id=card.ticket_id, chat_id=row.chat_id) is False
            reopen = row.forum and f.status not in FINAL and await _work_changed(s, f, row.chat_id)
            if same_place and digest == card.rendered_hash and not close and not reopen:
                await cards.synced(s, ticket_id=card.ticket_id, seq=card.seq, chat_id=card.chat_id,
                                   message_id=card.message_id, rendered_hash=digest)
                out.append(_Rendered(card.ticket_id, card.seq, row.chat_id, card.message_id, text, markup, "same"))
                continue
            taken.add(row.chat_id)
            left = (card.chat_id, card.message_id) if card.chat_id is not None and card.message_id is not None \
                and not same_place else None
            out.append(_Rendered(card.ticket_id, card.seq, row.chat_id, card.message_id if same_place else None,
                                 text, markup, digest, forum=row.forum,
                                 topic=(topic_name(f.number, f.title), topic_color(f.status, f.priority)),
                                 close=close, reopen=reopen, left=left,
                                 left_text=moved_text(f, same_chat=card.chat_id == row.chat_id) if left else ""))
        await work.commit()
    return out


async def _work_changed(s: AsyncSession, f: cards.CardFacts, chat_id: int) -> bool:
    """The ticket's topic was closed by hand and its status or assignee changed since (reopened, rejected, taken,
    assigned to someone): a redraw with nothing new for staff leaves the topic closed."""
    mark = await topics.closed_mark_of(s, ticket_id=f.ticket_id, chat_id=chat_id)
    return mark is not None and mark != topics.work_mark(f.status, f.assignee_id)


async def _chat_of(s: AsyncSession, ticket_id: int) -> int | None:
    """Where a card not posted yet goes (two light reads, before rendering it)."""
    ticket = await s.get(Ticket, ticket_id)
    service = await s.get(Service, ticket.service_id) if ticket is not None else None
    if ticket is None or service is None:
        return None
    return await chats.chat_for(s, group_code=ticket.line, service_code=service.code)


async def _show(bot: Bot, item: _Rendered, stats: SyncStats, thread: int | None = None) -> int:
    """Edits the card in place, or posts it (again, when its message was deleted); returns its message id."""
    if item.message_id is not None:
        try:
            await bot.edit_message_text(chat_id=item.chat_id, message_id=item.message_id, text=item.text,
                                        reply_markup=item.markup)
            stats.edited += 1
            return item.message_id
        except TelegramBadRequest as exc:
            low = exc.message.lower()
            if NOT_MODIFIED in low:
                stats.unchanged += 1
                return item.message_id
            if not any(g in low for g in GONE_MESSAGE):
                raise
            log.info("card of ticket %s: message %s is gone (%s), posted again", item.ticket_id,
                     item.message_id, exc.message)
            stats.reposted += 1
    sent = await bot.send_message(chat_id=item.chat_id, text=item.text, reply_markup=item.markup,
                                  message_thread_id=thread)
    stats.posted += 1
    assert isinstance(sent, Message)
    return sent.message_id


async def _retire(bot: Bot, limiter: RateLimiter, item: _Rendered) -> None:
    """The card's message where it no longer lives (another group took the ticket, or its forum topic): it says
    where the ticket went and loses its buttons, which refused every press there with an unclear alert."""
    assert item.left is not None
    chat_id, message_id = item.left
    if limiter.wait_time(chat_id) > WAIT_IN_PASS:  # never waited for here (module docstring): left as it was
        log.info("old card %s of ticket %s in chat %s not retired: no slot", message_id, item.ticket_id, chat_id)
        return
    try:
        await limiter.acquire(chat_id)
        await bot.edit_message_text(chat_id=chat_id, message_id=message_id, text=item.left_text, reply_markup=None)
    except TelegramAPIError as exc:  # best effort: the ticket's live card is already where it went
        log.info("old card %s of ticket %s in chat %s not retired: %s", message_id, item.ticket_id, chat_id,
                 exc.message)


async def _store(uow: UowFactory, item: _Rendered, message_id: int) -> None:
    work = uow()
    async with work:
        await cards.synced(work.session, ticket_id=item.ticket_id, seq=item.seq, chat_id=item.chat_id,
                           message_id=message_id, rendered_hash=item.digest)
        await work.commit()


async def _migrated(uow: UowFactory, old: int, new: int) -> None:
    await chats.migrate(uow=uow(), old_chat_id=old, new_chat_id=new)


async def show_now(*, uow: UowFactory, bot: Bot, tz: ZoneInfo, ticket_id: int, chat_id: int,
                   message_id: int) -> None:
    """A pressed card that was stale shows the current state at once (the answer to that press)."""
    work = uow()
    async with work:
        card = await cards.card_of(work.session, ticket_id)
        f = await cards.facts(work, ticket_id=ticket_id)
    if f is None or card is None:
        return
    text, markup = render_text(f, tz=tz), render_markup(f)
    digest = content_hash(text, markup)
    if card.chat_id == chat_id and card.message_id == message_id and card.rendered_hash == digest:
        return  # it already shows that: an edit would be «message is not modified»
    try:
        await bot.edit_message_text(chat_id=chat_id, message_id=message_id, text=text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if NOT_MODIFIED not in exc.message.lower():
            log.info("stale card %s could not be refreshed: %s", ticket_id, exc.message)
        return
    if card.chat_id == chat_id and card.message_id == message_id:
        await _store(uow, _Rendered(ticket_id, card.seq, chat_id, message_id, text, markup, digest), message_id)

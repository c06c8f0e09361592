"""Staff commands in a line chat or privately: /queue, /my, /ticket SD-…, /stats (the МРФ curator's decisions:
handlers/curator_decisions.py).

In a line chat the sender must be an active member of the chat's group (card_buttons.LineStaff); the scope is the
chat's group. Privately the sender is a staff member the bot knows by Telegram id (anybody else falls through to
the user dialogs, where /my is «Мои обращения»); the scope is every group they work in, and a curator's /queue
adds the access requests of their МРФ awaiting them. Reads are core/staffdesk/queues.py, texts bot/staff/views.py.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.callbacks import QueueCb
from bot.staff.texts import Tr
from bot.staff.views import PAGE, page_markup, render_page, render_stats
from bot.staffchat.card import content_hash, render_markup, render_text
from bot.staffchat.topics import THREAD_GONE
from bot.telegram import escape
from core.db import utcnow
from core.staffdesk import cards, chats, queues, topics
from core.staffdesk.queues import GroupScope, QueuePage, StaffRef
from core.tickets.models import parse_number
from core.uow import UowFactory
from handlers.card_steps import LineStaff

log = logging.getLogger(__name__)
GROUPS = ("group", "supergroup")
STAFF_COMMANDS = ("queue", "my", "ticket", "stats")

group_router = Router(name="staff-commands-group")
# the cheap filters first: LineStaff reads the database, only for a command or a page button
group_router.message.filter(F.chat.type.in_(GROUPS), F.text.startswith("/"), LineStaff())
group_router.callback_query.filter(F.message.chat.type.in_(GROUPS), F.data.startswith("sq:"), LineStaff())
group_outsiders = Router(name="staff-commands-outsiders")
group_outsiders.message.filter(F.chat.type.in_(GROUPS))
private_router = Router(name="staff-commands-private")
private_router.message.filter(F.chat.type == "private")
private_router.callback_query.filter(F.message.chat.type == "private")


class PrivateStaff(Filter):
    """The sender is an active staff member known by Telegram id; gives the handler `staff`."""

    async def __call__(self, event: CallbackQuery | Message, uow: UowFactory) -> bool | dict[str, Any]:
        if event.from_user is None:
            return False
        found = await queues.staff_of(uow=uow(), tg_id=event.from_user.id)
        return {"staff": found} if found else False


def _tr(i18n: I18n | None, locale: str | None) -> Tr:
    return Tr(i18n, locale)


def _scopes(staff: list[StaffRef]) -> list[GroupScope]:
    return [GroupScope(code) for code in dict.fromkeys(s.group_code for s in staff)]


async def _where(uow: UowFactory, scopes: list[GroupScope]) -> str:
    """The groups of a queue or a day's figures as the catalog names them («1ЛТП (Service Desk)»), not by code."""
    if not scopes:
        return ""
    names = await queues.group_names(uow=uow.read(), codes=[s.group_code for s in scopes])
    return ", ".join(names[s.group_code] for s in scopes)


def _regions(staff: list[StaffRef]) -> list[str]:
    return [s.curator_region for s in staff if s.curator_region]


async def _list(uow: UowFactory, kind: str, *, scopes: list[GroupScope], staff_ids: list[int], regions: list[str],
                offset: int) -> QueuePage:
    if kind == "m":
        return await queues.mine(uow=uow(), staff_ids=staff_ids, offset=offset, limit=PAGE)
    if kind == "a":
        return await queues.awaiting_curator(uow=uow(), staff_ids=staff_ids, offset=offset, limit=PAGE)
    if kind == "r":
        return await queues.of_region(uow=uow(), staff_ids=staff_ids, offset=offset, limit=PAGE)
    return await queues.queue(uow=uow(), scopes=scopes, offset=offset, limit=PAGE)


def _titles(tr: Tr, kind: str, where: str) -> tuple[str, str]:
    if kind == "m":
        return tr("Мои обращения в работе"), tr("У вас нет открытых обращений.")
    if kind == "a":
        return tr("Запросы доступа на согласовании"), tr("Нет запросов, ждущих вашего согласования.")
    if kind == "r":
        return tr("Обращения вашего МРФ в работе: {where}", where=where), tr("Открытых обращений вашего МРФ нет.")
    return tr("Очередь: {where}", where=where), tr("Открытых обращений нет.")


async def _show(target: Message, uow: UowFactory, tr: Tr, tz: ZoneInfo, kind: str, *, scopes: list[GroupScope],
                staff_ids: list[int], regions: list[str], offset: int, where: str, edit: bool) -> None:
    page = await _list(uow, kind, scopes=scopes, staff_ids=staff_ids, regions=regions, offset=offset)
    title, empty = _titles(tr, kind, where)
    text = render_page(page, title=title, empty=empty, tr=tr, tz=tz, now=utcnow(), with_line=len(scopes) > 1)
    markup = page_markup(page, kind, tr)
    if edit:
        await target.edit_text(text, reply_markup=markup)
    else:
        await target.answer(text, reply_markup=markup)


# ---- in a line chat (Russian: group chats read Russian) ----

@group_router.message(Command("queue"))
async def on_group_queue(message: Message, uow: UowFactory, tz: ZoneInfo, i18n: I18n | None = None) -> None:
    scope = await queues.chat_scope(uow=uow(), chat_id=message.chat.id)
    assert scope is not None  # LineStaff: the chat is bound
    await _show(message, uow, _tr(i18n, "ru"), tz, "q", scopes=[scope], staff_ids=[], regions=[], offset=0,
                where=await _where(uow, [scope]), edit=False)


@group_router.message(Command("my"))
async def on_group_my(message: Message, uow: UowFactory, tz: ZoneInfo, i18n: I18n | None = None) -> None:
    tg = message.from_user
    staff = await queues.staff_of(uow=uow(), tg_id=tg.id) if tg is not None else []
    await _show(message, uow, _tr(i18n, "ru"), tz, "m", scopes=_scopes(staff), staff_ids=[s.staff_id for s in staff],
                regions=[], offset=0, where="", edit=False)


@group_router.callback_query(QueueCb.filter())
async def on_group_page(cq: CallbackQuery, callback_data: QueueCb, uow: UowFactory, tz: ZoneInfo,
                        i18n: I18n | None = None) -> None:
    msg = cq.message
    await cq.answer()
    if not isinstance(msg, Message):
        return
    scope = await queues.chat_scope(uow=uow(), chat_id=msg.chat.id)
    staff = await queues.staff_of(uow=uow(), tg_id=cq.from_user.id)
    kind = callback_data.k if callback_data.k in ("q", "m") else "q"
    await _show(msg, uow, _tr(i18n, "ru"), tz, kind, scopes=[scope] if scope else [],
                staff_ids=[s.staff_id for s in staff], regions=[], offset=max(0, callback_data.o),
                where=await _where(uow, [scope] if scope else []), edit=True)


@group_router.message(Command("ticket"))
async def on_group_ticket(message: Message, command: CommandObject, uow: UowFactory, bot: Bot, tz: ZoneInfo,
                          i18n: I18n | None = None) -> None:
    tr = _tr(i18n, "ru")
    number = _number(command)
    found = await queues.find_ticket(uow=uow(), number=number)
    if found is None:
        await message.answer(_not_found(tr, number))
        return
    ticket_id = found[0]
    if not await chats.ticket_in_chat(uow=uow(), chat_id=message.chat.id, ticket_id=ticket_id):
        await message.answer(tr("Обращение {number} не относится к этому чату.", number=escape(number)))
        return
    try:
        thread = await _post_card(bot, uow, tz, chat_id=message.chat.id, ticket_id=ticket_id)
    except TelegramBadRequest as exc:
        gone = getattr(exc.method, "message_thread_id", None)
        if THREAD_GONE not in exc.message.lower() or gone is None:
            raise
        # someone deleted the ticket's topic: forgotten, the sync makes a new one and posts the card there
        await topics.gone(uow=uow(), chat_id=message.chat.id, thread_id=gone)
        await message.answer(tr("Тема обращения {number} удалена в Telegram: бот создаст новую тему и опубликует "
                                "карточку в ней.", number=escape(number)))
        return
    if thread is not None and message.message_thread_id != thread:
        await message.answer(tr("Карточка {number} — внизу темы обращения.", number=escape(number)))


def _number(command: CommandObject) -> str:
    """The ticket number of `/ticket SD-000042` (its first word: what follows is not part of it)."""
    return next(iter((command.args or "").split()), "")


def _not_found(tr: Tr, number: str) -> str:
    """A number that is no ticket's is told so; no number (or not one) gets the usage."""
    if parse_number(number) is None:
        return tr("Укажите номер обращения: /ticket SD-000042")
    return tr("Обращение {number} не найдено.", number=escape(number))


async def _post_card(bot: Bot, uow: UowFactory, tz: ZoneInfo, *, chat_id: int, ticket_id: int) -> int | None:
    """The card posted anew at the bottom of the chat, or of the ticket's topic in a forum (where the sync edits it:
    posted in General, it left the topic's card stale); the new message becomes the card. Returns the topic."""
    work = uow()
    async with work:
        f = await cards.facts(work, ticket_id=ticket_id)
        card = await cards.card_of(work.session, ticket_id)
        thread = await topics.thread_of(work.session, ticket_id=ticket_id, chat_id=chat_id)
    if f is None:
        return None
    text, markup = render_text(f, tz=tz), render_markup(f)
    sent = await bot.send_message(chat_id=chat_id, text=text, reply_markup=markup, message_thread_id=thread)
    if card is None:
        return thread  # never posted by the sync (an access request before approval): nothing to move
    work = uow()
    async with work:
        await cards.synced(work.session, ticket_id=ticket_id, seq=card.seq, chat_id=chat_id,
                           message_id=sent.message_id, rendered_hash=content_hash(text, markup))
        await work.commit()
    return thread


def _day(tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime, str]:
    local = now.astimezone(tz).date()
    start = datetime.combine(local, time(0), tzinfo=tz)
    end = start + timedelta(days=1)
    return start.astimezone(UTC), end.astimezone(UTC), local.strftime("%d.%m.%Y")


@group_router.message(Command("stats"))
async def on_group_stats(message: Message, uow: UowFactory, tz: ZoneInfo, i18n: I18n | None = None) -> None:
    scope = await queues.chat_scope(uow=uow(), chat_id=message.chat.id)
    assert scope is not None
    now = utcnow()
    start, end, day = _day(tz, now)
    stats = await queues.day_stats(uow=uow(), scopes=[scope], start=start, end=end, now=now)
    tr = _tr(i18n, "ru")
    await message.answer(render_stats(stats, title=tr("Сегодня: {where}", where=await _where(uow, [scope])), day=day,
                                      tr=tr))


@group_outsiders.message(Command(*STAFF_COMMANDS, "release"))  # release: handlers/release_cmd.py
async def on_outsider_command(message: Message, i18n: I18n | None = None) -> None:
    tg = message.from_user
    log.info("staff command %r in chat %s refused: %s is no member of the chat's group", message.text,
             message.chat.id, tg.id if tg else None)
    await message.answer(_tr(i18n, "ru")("Эти команды — для сотрудников группы поддержки, к которой привязан чат."))


# ---- privately, for staff (everyone else gets the user dialogs) ----

@private_router.message(Command(*STAFF_COMMANDS), PrivateStaff())
async def on_private(message: Message, command: CommandObject, staff: list[StaffRef], uow: UowFactory, bot: Bot,
                     tz: ZoneInfo, i18n: I18n | None = None, locale: str | None = None) -> None:
    tr = _tr(i18n, locale)
    scopes, ids, regions = _scopes(staff), [s.staff_id for s in staff], _regions(staff)
    where = await _where(uow, scopes)
    if command.command == "queue":
        await _show(message, uow, tr, tz, "q", scopes=scopes, staff_ids=ids, regions=regions, offset=0,
                    where=where, edit=False)
        if regions:
            await _show(message, uow, tr, tz, "a", scopes=scopes, staff_ids=ids, regions=regions, offset=0,
                        where=where, edit=False)
            # 003 «Мониторинг по разрешению обращений осуществляет Куратор МРФ»
            await _show(message, uow, tr, tz, "r", scopes=scopes, staff_ids=ids, regions=regions, offset=0,
                        where=", ".join(dict.fromkeys(regions)), edit=False)
    elif command.command == "my":
        await _show(message, uow, tr, tz, "m", scopes=scopes, staff_ids=ids, regions=regions, offset=0,
                    where=where, edit=False)
    elif command.command == "stats":
        now = utcnow()
        start, end, day = _day(tz, now)
        stats = await queues.day_stats(uow=uow(), scopes=scopes, start=start, end=end, now=now)
        await message.answer(render_stats(stats, title=tr("Сегодня: {where}", where=where), day=day, tr=tr))
    else:
        await _private_ticket(message, command, uow, tz, tr, scopes)


async def _private_ticket(message: Message, command: CommandObject, uow: UowFactory, tz: ZoneInfo, tr: Tr,
                          scopes: list[GroupScope]) -> None:
    number = _number(command)
    found = await queues.find_ticket(uow=uow(), number=number)
    if found is None:
        await message.answer(_not_found(tr, number))
        return
    if found[1] not in {s.group_code for s in scopes}:
        await message.answer(tr("Обращение {number} не в очереди ваших групп.", number=escape(number)))
        return
    f = await cards.facts_of(uow=uow(), ticket_id=found[0])
    if f is not None:
        await message.answer(render_text(f, tz=tz))  # the card's buttons work in the line chat


@private_router.callback_query(QueueCb.filter(), PrivateStaff())
async def on_private_page(cq: CallbackQuery, callback_data: QueueCb, staff: list[StaffRef], uow: UowFactory,
                          tz: ZoneInfo, i18n: I18n | None = None, locale: str | None = None) -> None:
    await cq.answer()
    if isinstance(cq.message, Message):
        scopes = _scopes(staff)
        kind = callback_data.k if callback_data.k in ("q", "m", "a", "r") else "q"
        await _show(cq.message, uow, _tr(i18n, locale), tz, kind, scopes=scopes,
                    staff_ids=[s.staff_id for s in staff], regions=_regions(staff), offset=max(0, callback_data.o),
                    where=", ".join(s.group_code for s in scopes), edit=True)

"""/outage and /restore in a line chat: line 1 (or a service's incident group) declares and restores outages.

/outage: service → title → what does not work → expected restoration → «📣 Объявить». /restore: the open outage →
what was done → everyone told hears it, the linked tickets are resolved in the restorer's name. Every step is the
same use case the admin API calls (core.outages.service).
"""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message

from bot.callbacks import OutCb
from bot.texts import _
from core.errors import DomainError
from core.outages import service as outages
from core.outages.declarers import Declarer
from core.uow import UowFactory
from handlers.common import drop_keyboard
from handlers.line1_steps import (
    ANSWER,
    GROUPS,
    RESOLUTION_LIMIT,
    TITLE_LIMIT,
    WHAT_LIMIT,
    MayDeclare,
    end,
    fits,
    parse_eta,
    refused,
    rows_kb,
    say_under,
    took,
)

log = logging.getLogger(__name__)
router = Router(name="outage-chat")
router.message.filter(F.chat.type.in_(GROUPS))
router.callback_query.filter(F.message.chat.type.in_(GROUPS))


class OutageSG(StatesGroup):
    title = State()
    what = State()
    eta = State()
    confirm = State()
    resolution = State()


def _skip_cancel() -> InlineKeyboardMarkup:
    return rows_kb([(_("Пропустить ➡️"), OutCb(a="skip")), (_("✖️ Отмена"), OutCb(a="cancel"))])


@router.message(Command("outage"), MayDeclare())
async def on_outage(message: Message, state: FSMContext, declarer: Declarer) -> None:
    await end(state)
    rows = [(name, OutCb(a="svc", v=code)) for code, name in declarer.services]
    rows.append((_("✖️ Отмена"), OutCb(a="cancel")))
    await message.answer(_("⚠️ Объявление аварии. Шаг 1 из 4: какой сервис не работает?"), reply_markup=rows_kb(rows))


@router.callback_query(OutCb.filter(F.a == "cancel"))
async def on_cancel(cq: CallbackQuery, state: FSMContext) -> None:
    await end(state)
    await cq.answer(_("Отменено"))
    if isinstance(cq.message, Message):
        await drop_keyboard(cq.message)


@router.callback_query(OutCb.filter(F.a == "svc"), MayDeclare())
async def on_service(cq: CallbackQuery, callback_data: OutCb, state: FSMContext, declarer: Declarer) -> None:
    names = dict(declarer.services)
    if callback_data.v not in names:
        await cq.answer(_("Этот сервис вам недоступен."), show_alert=True)
        return
    await state.set_state(OutageSG.title)
    await state.update_data(svc=callback_data.v, svc_name=names[callback_data.v])
    await cq.answer()
    # a reply reaches the bot in a group even with privacy mode on; ForceReply makes the client reply
    await say_under(cq, _("Сервис: <b>{svc}</b>. Шаг 2 из 4: заголовок аварии одной строкой.").format(
        svc=escape(names[callback_data.v])), reply_markup=ForceReply(selective=True))


@router.message(StateFilter(OutageSG.title), ANSWER, MayDeclare())
async def on_title(message: Message, state: FSMContext) -> None:
    title = " ".join((message.text or "").split())
    if not await fits(message, state, title, TITLE_LIMIT):
        return
    await took(message, state)
    await state.update_data(title=title)
    await state.set_state(OutageSG.what)
    await message.answer(_("Шаг 3 из 4: что именно не работает? Ответьте на это сообщение или «Пропустить»."),
                         reply_markup=_skip_cancel())


@router.message(StateFilter(OutageSG.what), ANSWER, MayDeclare())
async def on_what(message: Message, state: FSMContext) -> None:
    what = (message.text or "").strip()
    if not await fits(message, state, what, WHAT_LIMIT):
        return
    await took(message, state)
    await state.update_data(what=what)
    await _ask_eta(message, state)


async def _ask_eta(message: Message, state: FSMContext) -> None:
    await state.set_state(OutageSG.eta)
    await message.answer(_("Шаг 4 из 4: когда ожидается восстановление? Например <i>18:30</i> или "
                           "<i>03.12 09:00</i>; если неизвестно — «Пропустить»."), reply_markup=_skip_cancel())


@router.callback_query(StateFilter(OutageSG.what, OutageSG.eta), OutCb.filter(F.a == "skip"), MayDeclare())
async def on_skip(cq: CallbackQuery, state: FSMContext, tz: ZoneInfo) -> None:
    await cq.answer()
    if not isinstance(cq.message, Message):
        return
    await drop_keyboard(cq.message)
    if await state.get_state() == OutageSG.what.state:
        await state.update_data(what="")
        await _ask_eta(cq.message, state)
    else:
        await state.update_data(eta=None)
        await _confirm(cq.message, state, tz)


@router.message(StateFilter(OutageSG.eta), ANSWER, MayDeclare())
async def on_eta(message: Message, state: FSMContext, tz: ZoneInfo) -> None:
    from core.db import utcnow

    now = utcnow()
    eta = parse_eta(message.text or "", now=now, tz=tz)
    if eta is None:
        await refused(message, state)
        await message.answer(_("Не понял время. Напишите, например, <i>18:30</i> или <i>03.12 09:00</i>."))
        return
    if eta <= now:  # it would be announced to every user of the service as the expected restoration
        await refused(message, state)
        await message.answer(_("Это время уже прошло ({at}). Напишите, когда ожидается восстановление, или "
                               "«Пропустить».").format(at=eta.astimezone(tz).strftime("%d.%m.%Y %H:%M")))
        return
    await took(message, state)
    await state.update_data(eta=eta.isoformat())
    await _confirm(message, state, tz)


async def _confirm(message: Message, state: FSMContext, tz: ZoneInfo) -> None:
    d = await state.get_data()
    await state.set_state(OutageSG.confirm)
    eta = datetime.fromisoformat(d["eta"]).astimezone(tz).strftime("%d.%m.%Y %H:%M") if d.get("eta") else "—"
    text = _("Проверьте и объявите:\nСервис: <b>{svc}</b>\nАвария: <b>{title}</b>\nНе работает: {what}\n"
             "Ожидаемое восстановление: {eta}\n\nУведомление получат чаты линий сервиса (с закреплением), "
             "сервис-менеджеры и пользователи сервиса.").format(
        svc=escape(d["svc_name"]), title=escape(d["title"]), what=escape(d.get("what") or "—"), eta=eta)
    await message.answer(text, reply_markup=rows_kb([(_("📣 Объявить"), OutCb(a="go")),
                                                 (_("✖️ Отмена"), OutCb(a="cancel"))]))


@router.callback_query(StateFilter(OutageSG.confirm), OutCb.filter(F.a == "go"), MayDeclare())
async def on_go(cq: CallbackQuery, state: FSMContext, uow: UowFactory, tz: ZoneInfo, declarer: Declarer) -> None:
    d = await state.get_data()
    await end(state)
    await cq.answer()
    eta = datetime.fromisoformat(d["eta"]) if d.get("eta") else None
    try:
        o, bid = await outages.declare(uow=uow(), services=[d["svc"]], title=d["title"], what=d.get("what") or "",
                                       expected_at=eta, declared_by=declarer.name, tz=tz)
    except DomainError as exc:
        await _answer(cq, _("Не получилось объявить аварию: {why}").format(why=escape(exc.message)))
        return
    await _answer(cq, _("📣 Авария №{id} объявлена ({who}). Уведомление рассылается; закрыть её: /restore.").format(
        id=o.id, who=escape(declarer.name)))
    log.info("outage %s declared from chat by staff %s (broadcast %s)", o.id, declarer.staff_id, bid)


async def _answer(cq: CallbackQuery, text: str) -> None:
    await say_under(cq, text)


@router.message(Command("restore"), MayDeclare())
async def on_restore(message: Message, state: FSMContext, uow: UowFactory, declarer: Declarer) -> None:
    await end(state)
    mine = {c for c, _n in declarer.services}
    open_ = [o for o in await outages.open_outages(uow=uow.read()) if mine & set(o.services or [])]
    if not open_:
        await message.answer(_("Открытых аварий нет."))
        return
    rows = [(f"№{o.id}: {o.title[:40]}", OutCb(a="pick", v=str(o.id))) for o in open_[:10]]
    rows.append((_("✖️ Отмена"), OutCb(a="cancel")))
    await message.answer(_("Какая авария устранена?"), reply_markup=rows_kb(rows))


@router.callback_query(OutCb.filter(F.a == "pick"), MayDeclare())
async def on_pick(cq: CallbackQuery, callback_data: OutCb, state: FSMContext) -> None:
    if not callback_data.v.isdigit():
        await cq.answer()
        return
    await state.set_state(OutageSG.resolution)
    await state.update_data(outage_id=int(callback_data.v))
    await cq.answer()
    await say_under(cq, _("Авария №{id}: что было сделано? Это решение получат пользователи и связанные "
                          "обращения.").format(id=callback_data.v), reply_markup=ForceReply(selective=True))


@router.message(StateFilter(OutageSG.resolution), ANSWER, MayDeclare())
async def on_resolution(message: Message, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                        declarer: Declarer) -> None:
    resolution = (message.text or "").strip()
    if not await fits(message, state, resolution, RESOLUTION_LIMIT):
        return
    await took(message, state)
    d = await state.get_data()
    await end(state)
    try:
        o, _bid, linked = await outages.restore(uow=uow(), outage_id=d["outage_id"], resolution=resolution,
                                                restored_by=declarer.name, tz=tz)
    except DomainError as exc:
        await message.answer(_("Не получилось закрыть аварию: {why}").format(why=escape(exc.message)))
        return
    done, skipped = await outages.resolve_linked(uow_factory=uow, ticket_ids=linked, staff_id=declarer.staff_id,
                                                 resolution=resolution)
    text = _("✅ Авария №{id} закрыта: все, кого уведомляли, получат сообщение о восстановлении. "
             "Решено связанных обращений: {n}.").format(id=o.id, n=len(done))
    if skipped:
        text += "\n" + _("Не решены (нужно вручную): {ids}").format(ids=", ".join(f"#{t}" for t in skipped))
    await message.answer(text)


# last: the commands above with their filter take whoever may declare
@router.message(Command("outage", "restore", "works", "news"))
async def on_not_allowed(message: Message, command: CommandObject) -> None:
    log.info("/%s in chat %s refused for %s", command.command, message.chat.id,
             message.from_user.id if message.from_user else None)
    if command.command == "works":
        text = _("Объявлять плановые работы и релизы может 1ЛТП (или дежурная группа сервиса) в своём чате.")
    elif command.command == "news":
        text = _("Рассылать новости сервиса может 1ЛТП (или дежурная группа сервиса) в своём чате.")
    else:
        text = _("Объявлять и закрывать аварии может 1ЛТП (или дежурная группа сервиса) в своём чате.")
    await message.answer(text)

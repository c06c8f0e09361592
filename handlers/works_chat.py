"""/works in a line chat: line 1 announces planned works or a release (kind → service → title → what → start →
end → «📣 Объявить»). 003 asks for 24 hours' notice: a sooner start is announced only when marked urgent."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.callbacks import OutCb
from bot.texts import _
from core.db import utcnow
from core.errors import DomainError
from core.outages.declarers import Declarer
from core.planned import service as planned
from core.uow import UowFactory
from handlers.line1_steps import (
    ANSWER,
    GROUPS,
    TITLE_LIMIT,
    WHAT_LIMIT,
    MayDeclare,
    ask,
    end,
    fits,
    parse_eta,
    refused,
    rows_kb,
    say_under,
    take_service,
    took,
)

router = Router(name="works-chat")
router.message.filter(F.chat.type.in_(GROUPS))
router.callback_query.filter(F.message.chat.type.in_(GROUPS))
FMT = "%d.%m.%Y %H:%M"


class WorksSG(StatesGroup):
    title = State()
    what = State()
    start = State()
    end = State()
    confirm = State()


@router.message(Command("works"), MayDeclare())
async def on_works(message: Message, state: FSMContext) -> None:
    await end(state)
    await message.answer(_("🛠 Объявление о работах. Шаг 1 из 6: что планируется?"), reply_markup=rows_kb([
        (_("Плановые работы"), OutCb(a="wk", v="works")), (_("Релиз (обновление)"), OutCb(a="wk", v="release")),
        (_("✖️ Отмена"), OutCb(a="cancel"))]))


@router.callback_query(OutCb.filter(F.a == "wk"), MayDeclare())
async def on_kind(cq: CallbackQuery, callback_data: OutCb, state: FSMContext, declarer: Declarer) -> None:
    if callback_data.v not in ("works", "release"):
        await cq.answer()
        return
    await state.update_data(kind=callback_data.v)
    await cq.answer()
    rows = [(name, OutCb(a="wsvc", v=code)) for code, name in declarer.services]
    rows.append((_("✖️ Отмена"), OutCb(a="cancel")))
    if isinstance(cq.message, Message):
        await cq.message.edit_text(_("Шаг 2 из 6: какой сервис?"), reply_markup=rows_kb(rows))
    else:  # too old to be edited (an InaccessibleMessage): the step comes as a new message
        await say_under(cq, _("Шаг 2 из 6: какой сервис?"), reply_markup=rows_kb(rows))


@router.callback_query(OutCb.filter(F.a == "wsvc"), MayDeclare())
async def on_service(cq: CallbackQuery, callback_data: OutCb, state: FSMContext, declarer: Declarer) -> None:
    await take_service(cq, callback_data.v, state, declarer, next_state=WorksSG.title,
                       question=_("Шаг 3 из 6: название работ одной строкой."))


@router.message(StateFilter(WorksSG.title), ANSWER, MayDeclare())
async def on_title(message: Message, state: FSMContext) -> None:
    title = " ".join((message.text or "").split())
    if not await fits(message, state, title, TITLE_LIMIT):
        return
    await took(message, state)
    await state.update_data(title=title)
    await state.set_state(WorksSG.what)
    data = await state.get_data()
    await ask(message, _("Шаг 4 из 6: что будет недоступно?") if data["kind"] == "works"
               else _("Шаг 4 из 6: что изменится? Каждое изменение с новой строки."))


@router.message(StateFilter(WorksSG.what), ANSWER, MayDeclare())
async def on_what(message: Message, state: FSMContext) -> None:
    what = (message.text or "").strip()
    if not await fits(message, state, what, WHAT_LIMIT):
        return
    await took(message, state)
    await state.update_data(what=what)
    await state.set_state(WorksSG.start)
    await ask(message, _("Шаг 5 из 6: начало, например <i>10.12 22:00</i>."))


@router.message(StateFilter(WorksSG.start, WorksSG.end), ANSWER, MayDeclare())
async def on_time(message: Message, state: FSMContext, tz: ZoneInfo) -> None:
    data = await state.get_data()
    start = datetime.fromisoformat(data["start"]) if await state.get_state() == WorksSG.end.state else None
    # an end typed as «02:00» is the first 02:00 after the start, not after now
    at = parse_eta(message.text or "", now=start or utcnow(), tz=tz)
    if at is None:
        await refused(message, state)
        await message.answer(_("Не понял время. Напишите, например, <i>10.12 22:00</i>."))
        return
    # refused at the step, not after «📣 Объявить» with the whole dialog to type again
    if start is None:
        if at <= utcnow():
            await refused(message, state)
            await message.answer(_("Это время уже прошло ({at}): о работах сообщают заранее. Напишите начало ещё "
                                   "раз.").format(at=at.astimezone(tz).strftime(FMT)))
            return
        await took(message, state)
        await state.update_data(start=at.isoformat())
        await state.set_state(WorksSG.end)
        await ask(message, _("Шаг 6 из 6: окончание, например <i>11.12 02:00</i>."))
        return
    if at <= start:
        await refused(message, state)
        await message.answer(_("Окончание должно быть позже начала ({start}). Напишите окончание ещё раз.").format(
            start=start.astimezone(tz).strftime(FMT)))
        return
    await took(message, state)
    await state.update_data(end=at.isoformat())
    await _confirm(message, state, tz)


async def _confirm(message: Message, state: FSMContext, tz: ZoneInfo) -> None:
    d = await state.get_data()
    start, end = datetime.fromisoformat(d["start"]), datetime.fromisoformat(d["end"])
    soon = start - utcnow() < planned.LEAD
    await state.update_data(urgent=soon)
    await state.set_state(WorksSG.confirm)
    text = _("Проверьте и объявите:\nСервис: <b>{svc}</b>\n<b>{title}</b>\n{what}\nКогда: {start} — {end}").format(
        svc=escape(d["svc_name"]), title=escape(d["title"]), what=escape(d["what"]),
        start=start.astimezone(tz).strftime(FMT), end=end.astimezone(tz).strftime(FMT))
    if soon:
        text += "\n\n" + _("❗ До начала меньше 24 часов: регламент требует предупреждать за сутки. Объявить как "
                           "срочные работы? Это будет видно в уведомлении и в отчёте.")
    await message.answer(text, reply_markup=rows_kb([
        (_("❗ Объявить как срочные") if soon else _("📣 Объявить"), OutCb(a="wgo")),
        (_("✖️ Отмена"), OutCb(a="cancel"))]))


@router.callback_query(StateFilter(WorksSG.confirm), OutCb.filter(F.a == "wgo"), MayDeclare())
async def on_go(cq: CallbackQuery, state: FSMContext, uow: UowFactory, tz: ZoneInfo, declarer: Declarer) -> None:
    d = await state.get_data()
    await end(state)
    await cq.answer()
    release = d["kind"] == "release"
    try:
        w, _bid = await planned.create(
            uow=uow(), kind=d["kind"], services=[d["svc"]], title=d["title"], what="" if release else d["what"],
            changes=d["what"].splitlines() if release else [], starts_at=datetime.fromisoformat(d["start"]),
            ends_at=datetime.fromisoformat(d["end"]), urgent=bool(d.get("urgent")), created_by=declarer.name, tz=tz)
    except DomainError as exc:
        reasons = "; ".join((getattr(exc, "fields", None) or {}).values()) or exc.message
        text = _("Не получилось объявить: {why}").format(why=escape(reasons))
    else:
        text = _("🛠 Работы №{id} объявлены; напоминание придёт за час до начала, затем — о начале и окончании."
                 ).format(id=w.id)
    await say_under(cq, text)

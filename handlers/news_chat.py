"""/news in a line chat: whoever may send the service's notices sends an information notice «по … прочим
случаям» (003 «Обновления информации о Системе»): service → title → text → «📣 Отправить»."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.callbacks import OutCb
from bot.texts import _
from core.broadcasts import news
from core.errors import DomainError
from core.outages.declarers import Declarer
from core.uow import UowFactory
from handlers.line1_steps import (
    ANSWER,
    GROUPS,
    NEWS_LIMIT,
    TITLE_LIMIT,
    MayDeclare,
    ask,
    end,
    fits,
    rows_kb,
    say_under,
    take_service,
    took,
)

router = Router(name="news-chat")
router.message.filter(F.chat.type.in_(GROUPS))
router.callback_query.filter(F.message.chat.type.in_(GROUPS))


class NewsSG(StatesGroup):
    title = State()
    text = State()
    confirm = State()


@router.message(Command("news"), MayDeclare())
async def on_news(message: Message, state: FSMContext, declarer: Declarer) -> None:
    await end(state)
    rows = [(name, OutCb(a="nsvc", v=code)) for code, name in declarer.services]
    rows.append((_("✖️ Отмена"), OutCb(a="cancel")))
    await message.answer(_("📢 Информационное сообщение пользователям. Шаг 1 из 3: какой сервис?"),
                         reply_markup=rows_kb(rows))


@router.callback_query(OutCb.filter(F.a == "nsvc"), MayDeclare())
async def on_service(cq: CallbackQuery, callback_data: OutCb, state: FSMContext, declarer: Declarer) -> None:
    await take_service(cq, callback_data.v, state, declarer, next_state=NewsSG.title,
                       question=_("Шаг 2 из 3: заголовок сообщения одной строкой."))


@router.message(StateFilter(NewsSG.title), ANSWER, MayDeclare())
async def on_title(message: Message, state: FSMContext) -> None:
    title = " ".join((message.text or "").split())
    if not await fits(message, state, title, TITLE_LIMIT):
        return
    await took(message, state)
    await state.update_data(title=title)
    await state.set_state(NewsSG.text)
    await ask(message, _("Шаг 3 из 3: текст сообщения."))


@router.message(StateFilter(NewsSG.text), ANSWER, MayDeclare())
async def on_text(message: Message, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if not await fits(message, state, text, NEWS_LIMIT):
        return
    await took(message, state)
    await state.update_data(text=text)
    await state.set_state(NewsSG.confirm)
    d = await state.get_data()
    await message.answer(
        _("Проверьте и отправьте всем пользователям сервиса (Telegram и e-mail):\nСервис: <b>{svc}</b>\n"
          "<b>{title}</b>\n{text}").format(svc=escape(d["svc_name"]), title=escape(d["title"]),
                                           text=escape(d["text"])),
        reply_markup=rows_kb([(_("📣 Отправить"), OutCb(a="ngo")), (_("✖️ Отмена"), OutCb(a="cancel"))]))


@router.callback_query(StateFilter(NewsSG.confirm), OutCb.filter(F.a == "ngo"), MayDeclare())
async def on_go(cq: CallbackQuery, state: FSMContext, uow: UowFactory, declarer: Declarer) -> None:
    d = await state.get_data()
    await end(state)
    await cq.answer()
    try:
        bid = await news.announce(uow=uow(), services=[d["svc"]], title=d["title"], text=d["text"],
                                  created_by=declarer.name)
    except DomainError as exc:
        reasons = "; ".join((getattr(exc, "fields", None) or {}).values()) or exc.message
        text = _("Не получилось отправить: {why}").format(why=escape(reasons))
    else:
        text = _("📢 Сообщение отправляется (рассылка №{id}).").format(id=bid)
    await say_under(cq, text)

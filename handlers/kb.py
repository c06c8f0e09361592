"""Knowledge-base search dialog: a question in, up to three confident articles out."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.keyboards import RepCb, inline
from bot.states import KbSG
from bot.texts import _
from core.catalog.models import User
from core.uow import UowFactory
from handlers import selfservice
from handlers.common import ANSWER_TEXT, say
from kb.service import KnowledgeBase

router = Router(name="kb")


async def begin(message: Message, state: FSMContext) -> None:
    await state.set_state(KbSG.query)
    await message.answer(_("Напишите вопрос своими словами — поищу готовый ответ.\nНапример: <i>не приходит "
                           "код подтверждения</i>"))


@router.message(KbSG.query, ANSWER_TEXT)
async def on_query(message: Message, state: FSMContext, kb: KnowledgeBase | None, uow: UowFactory,
                   user: User) -> None:
    query = (message.text or "").strip()
    await state.set_state(None)
    await state.update_data(ft_text=query)
    if not await selfservice.offer(message, state, kb=kb, uow=uow, user=user, query=query, service=None, ctx="search"):
        await message.answer(_("Ничего подходящего не нашлось. Попробуйте сформулировать иначе или создайте "
                               "обращение — специалисты помогут."),
                             reply_markup=inline([[(_("📝 Создать обращение"), RepCb(a="new_ft"))]]))
        await state.set_state(KbSG.query)


async def offer_report(call: CallbackQuery, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                       user: User | None) -> None:
    """After «Не помогло»: suggest a request pre-filled with what the user wrote."""
    await say(call, _("Жаль. Создадим обращение? Я подставлю ваш текст в описание."),
              inline([[(_("📝 Создать обращение"), RepCb(a="new_ft"))]]))


selfservice.CONTINUE["search"] = offer_report
selfservice.CONTINUE["free_text"] = offer_report

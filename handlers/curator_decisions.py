"""The МРФ curator's decision on an access request, privately (003 «Предоставление доступа к системе»):
«✅ Согласовать» approves; «❌ Отказать» asks the reason, which the requester gets. Only a curator of the requester's
МРФ for that system decides (core.tickets.approval); the buttons come with the planner's message (bot/staff/curator.py).
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.callbacks import ApproveCb
from bot.staff.texts import Tr
from bot.telegram import escape
from core.errors import DomainError, ValidationFailed
from core.tickets import approval
from core.uow import UowFactory

log = logging.getLogger(__name__)
router = Router(name="curator-decisions")
router.message.filter(F.chat.type == "private")
router.callback_query.filter(F.message.chat.type == "private")


class CuratorSG(StatesGroup):
    reason = State()


@router.callback_query(ApproveCb.filter())
async def on_decision(cq: CallbackQuery, callback_data: ApproveCb, state: FSMContext, uow: UowFactory,
                      i18n: I18n | None = None, locale: str | None = None) -> None:
    tr = Tr(i18n, locale)
    staff_id = await approval.curator_staff_id(uow=uow(), tg_id=cq.from_user.id, ticket_id=callback_data.t)
    if staff_id is None:
        log.warning("curator decision %r by %s refused: not the curator of the requester's МРФ", cq.data,
                    cq.from_user.id)
        await cq.answer(tr("Решение по этому запросу принимает куратор МРФ заявителя."), show_alert=True)
        return
    if callback_data.a == "no":
        await state.set_state(CuratorSG.reason)
        await state.update_data(cur_t=callback_data.t)
        await cq.answer()
        if isinstance(cq.message, Message):
            await cq.message.answer(tr("Напишите причину отказа одним сообщением — её получит заявитель. "
                                       "/cancel — не отказывать."))
        return
    try:
        ticket = await approval.approve(uow=uow(), ticket_id=callback_data.t, staff_id=staff_id)
    except DomainError as exc:
        log.info("approval of %s by staff %s refused: %s", callback_data.t, staff_id, exc.message)
        await cq.answer(tr("Запрос уже рассмотрен."), show_alert=True)
        return
    await cq.answer(tr("Согласовано."))
    if isinstance(cq.message, Message):
        await cq.message.edit_text(tr("✅ Запрос {number} согласован: передан на 1ЛТП для выдачи доступа.",
                                      number=escape(ticket.number or "")))


@router.message(CuratorSG.reason, Command("cancel"))
async def on_reason_cancel(message: Message, state: FSMContext, i18n: I18n | None = None,
                           locale: str | None = None) -> None:
    await state.clear()
    await message.answer(Tr(i18n, locale)("Отказ не отправлен, запрос ждёт вашего решения."))


@router.message(CuratorSG.reason, F.text)
async def on_reason(message: Message, state: FSMContext, uow: UowFactory, i18n: I18n | None = None,
                    locale: str | None = None) -> None:
    tr = Tr(i18n, locale)
    ticket_id = int((await state.get_data()).get("cur_t") or 0)
    tg = message.from_user
    staff_id = await approval.curator_staff_id(uow=uow(), tg_id=tg.id, ticket_id=ticket_id) if tg else None
    if staff_id is None:
        await state.clear()
        await message.answer(tr("Решение по этому запросу принимает куратор МРФ заявителя."))
        return
    try:
        ticket = await approval.reject(uow=uow(), ticket_id=ticket_id, staff_id=staff_id, reason=message.text or "")
    except ValidationFailed:
        await message.answer(tr("Причина отказа нужна: напишите её одним сообщением (до 1000 знаков)."))
        return
    except DomainError as exc:
        await state.clear()
        log.info("rejection of %s by staff %s refused: %s", ticket_id, staff_id, exc.message)
        await message.answer(tr("Запрос уже рассмотрен."))
        return
    await state.clear()
    await message.answer(tr("❌ Запрос {number} отклонён, заявитель получит причину.",
                            number=escape(ticket.number or "")))

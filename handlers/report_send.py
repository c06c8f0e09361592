"""The end of the guided intake (handlers/report.py asks the steps before it): the summary's edits, «Отправить»
(the knowledge base offered once more, then the registration with the number and the deadlines), «Назад» through
the steps, and the answers to text typed where a button is expected. Its router goes right after report's."""

from __future__ import annotations

import logging
from html import escape
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.keyboards import ProfCb, RepCb, inline, main_menu
from bot.states import ReportSG
from bot.texts import _
from core.catalog.models import User
from core.errors import ContractRequired
from core.tickets import service as tickets
from core.tickets.service import FileRef
from core.uow import UowFactory
from handlers import common, fsm_cache, selfservice, verify
from handlers import report_steps as steps
from handlers.common import NOT_COMMAND, Event, refuse_button, say
from handlers.report_steps import DESC_KEYS
from kb.service import KnowledgeBase

log = logging.getLogger(__name__)
router = Router(name="report-send")


@router.callback_query(ReportSG.summary, RepCb.filter(F.a == "edit"))
async def on_edit(call: CallbackQuery, callback_data: RepCb, state: FSMContext, tz: ZoneInfo) -> None:
    if callback_data.v == "_prio":
        await steps.ask_priority(call, state)
        return
    if callback_data.v not in (await state.get_data()).get("order", []):
        await refuse_button(call, "not a field of this report")
        return
    await state.update_data(edit=True, edit_key=callback_data.v)
    await steps.ask_field(call, state, tz)


@router.callback_query(ReportSG.summary, RepCb.filter(F.a == "send"))
async def on_send(call: CallbackQuery, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None, tz: ZoneInfo,
                  user: User) -> None:
    data = await state.get_data()
    if "vals" not in data:  # a dialog whose answers are gone (an older storage's half-written end): nothing to send
        await state.clear()
        await refuse_button(call, "summary without its answers")
        return
    query = " ".join(str(data["vals"][k]) for k in DESC_KEYS if data["vals"].get(k))
    if query and isinstance(call.message, Message):
        await call.answer()
        await common.drop_keyboard(call.message)
        if await selfservice.offer(call.message, state, kb=kb, uow=uow, user=user, query=query, service=data["svc"],
                                   ctx="report_final", exclude=data.get("ss_seen", [])):
            await state.set_state(ReportSG.kb)
            return
        # answered and the keyboard dropped already: say() must not drop it again («message is not modified»)
        await create(call.message, state, uow, tz, user)
        return
    await create(call, state, uow, tz, user)


async def create(event: Event, state: FSMContext, uow: UowFactory, tz: ZoneInfo, user: User) -> None:
    """Registers the ticket and tells the number, what happens next and the deadlines."""
    data = await state.get_data()
    if data.get("vf") and not await verify.still_allowed(event, state, uow, user):
        return
    if "ik" not in data:
        # kept before registering: the same «Отправить» handled again after a crash finds this dialog's ticket
        data["ik"] = uuid4().hex
        await state.update_data(ik=data["ik"])
        await fsm_cache.write_now(state)
    try:
        ticket = await tickets.register(uow=uow(), service_code=data["svc"], request_type=data["rtype"],
                                        priority=data["prio"], requester_id=user.id, fields=steps.ticket_fields(data),
                                        attachments=[FileRef(**f) for f in data.get("files", [])], tz=tz,
                                        intake_key=data["ik"])
    except ContractRequired as exc:
        await state.set_state(ReportSG.summary)
        await say(event, "⛔ " + escape(exc.message), inline([
            [(_("🏢 Изменить организацию"), ProfCb(a="org", v="summary"))],
            [(_("✖️ Отмена"), RepCb(a="cancel"))]]))
        return
    due_text = await common.deadline_text(uow, tz, ticket.id)
    text = _("✅ Обращение <b>{number}</b> зарегистрировано.").format(number=escape(ticket.number or ""))
    if ticket.approval == "pending":
        # its clock waits for the curator: no deadlines to promise yet
        text += "\n" + _("Это запрос доступа: сначала его согласует куратор вашего МРФ, затем специалисты выдадут "
                         "доступ. Я напишу, когда куратор решит. Следить за запросом можно в разделе «Мои обращения».")
    else:
        text += "\n" + _("Специалист возьмёт его в работу; я напишу, когда статус изменится или понадобятся "
                         "уточнения. Следить за ним можно в разделе «Мои обращения».")
        if due_text:
            text += "\n" + escape(due_text) + "."
    await say(event, text, main_menu())
    # cleared only once the number went out: a process dying before that leaves the dialog (and its intake key)
    # as it was, so the retried press finds the ticket and tells it (at worst twice), never «кнопка не действует»
    await state.clear()


@router.callback_query(RepCb.filter(F.a == "back"))
async def on_back(call: CallbackQuery, state: FSMContext, uow: UowFactory, tz: ZoneInfo) -> None:
    current = await state.get_state()
    data = await state.get_data()
    asked = (ReportSG.field.state, ReportSG.impact.state, ReportSG.priority.state)
    if current in asked and not steps.on_prompt(call, data):  # a quick second «Назад» would go back twice
        await steps.old_step(call, "«Назад» of an earlier step")
        return
    if current in (ReportSG.rtype.state, ReportSG.outage.state):
        await steps.ask_service(call, state, uow)
    elif current == ReportSG.field.state:
        if data.get("edit"):
            await steps.show_summary(call, state, tz)
        elif data["idx"] == 0:
            await steps.ask_type(call, state, uow)
        else:
            await state.update_data(idx=data["idx"] - 1)
            await steps.ask_field(call, state, tz)
    elif current == ReportSG.impact.state:
        if data["imp_i"] > 0:
            await steps.ask_impact(call, state, step=data["imp_i"] - 1)
        else:
            await _last_field(call, state, uow, tz, data)
    elif current == ReportSG.priority.state:
        if data.get("prio") is not None:
            await steps.show_summary(call, state, tz)
        elif data.get("imp_steps"):
            await steps.ask_impact(call, state, step=len(data["imp_steps"]) - 1)
        else:
            await _last_field(call, state, uow, tz, data)
    else:
        await call.answer(_("Назад отсюда нельзя."))


async def _last_field(call: CallbackQuery, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                      data: dict[str, Any]) -> None:
    if not data["keys"]:
        await steps.ask_type(call, state, uow)
        return
    await state.update_data(idx=len(data["keys"]) - 1)
    await steps.ask_field(call, state, tz)


@router.message(ReportSG.kb, NOT_COMMAND)
async def on_text_during_offer(message: Message) -> None:
    await message.answer(_("Ответьте, пожалуйста, кнопкой: «Помогло» или «Не помогло»."))


@router.message(StateFilter(ReportSG.service, ReportSG.rtype, ReportSG.impact, ReportSG.priority, ReportSG.summary),
                NOT_COMMAND)
async def on_text_needs_button(message: Message) -> None:
    await message.answer(_("Выберите вариант кнопкой под последним сообщением — или «Отмена», чтобы выйти."))


async def _continue_final(call: CallbackQuery, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                          user: User | None) -> None:
    if user is None:  # the user middleware always sets it in a private chat; nothing to register without it
        log.error("report confirmation without a user")
        return
    await create(call, state, uow, tz, user)


selfservice.CONTINUE["report_final"] = _continue_final

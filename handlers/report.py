"""The guided intake: service → type → the required fields → impact → priority → summary → «Отправить»."""

from __future__ import annotations

import logging
from html import escape
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.keyboards import ProfCb, RepCb, inline, main_menu
from bot.states import ReportSG
from bot.texts import _
from core.catalog import service as catalog
from core.catalog.intake import AFFECTED_NAMES, FIELDS, FieldKind, check_value
from core.catalog.models import Organisation, User
from core.db import utcnow
from core.errors import ContractRequired, NotFound
from core.outages.service import open_for_service
from core.settings import Settings
from core.tickets import service as tickets
from core.tickets.service import FileRef
from core.uow import UowFactory
from core.verification.codes import Policy
from handlers import common, fsm_cache, report_outage, selfservice, services, verify
from handlers import report_answers as answers
from handlers import report_steps as steps
from handlers.common import ANSWER_TEXT, FILE, NOT_COMMAND, Event, refuse_button, say
from handlers.profile_steps import ask_organisation, contract_refused
from handlers.report_steps import DESC_KEYS, start_report
from kb.service import KnowledgeBase

log = logging.getLogger(__name__)
router = Router(name="report")


@router.callback_query(RepCb.filter(F.a == "new_ft"))
async def on_report_from_text(call: CallbackQuery, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None,
                              user: User, settings: Settings) -> None:
    data = await state.get_data()
    await start_report(call, state, uow, kb, user, policy=Policy.of(settings), seed=data.get("ft_text"),
                       counted=bool(data.get("ft_counted")))


@router.callback_query(RepCb.filter(F.a == "cancel"))
async def on_cancel(call: CallbackQuery, state: FSMContext) -> None:
    await steps.cancel(call, state)


@router.callback_query(ReportSG.service, RepCb.filter(F.a == "svc"))
async def on_service(call: CallbackQuery, callback_data: RepCb, state: FSMContext, uow: UowFactory,
                     tz: ZoneInfo, user: User) -> None:
    svc = next((s for s in await services.active_services(uow) if s.code == callback_data.v), None)
    if svc is None:
        await refuse_button(call, "no active service with this code")
        return
    await state.update_data(svc=svc.code, svc_name=svc.name, svc_policy=svc.sla_policy)
    if svc.requires_contract:
        org = await _organisation(uow, user)
        if org is None:
            await say(call, _("Сервис «{svc}» обслуживается по договору сопровождения — укажите вашу организацию.")
                      .format(svc=escape(svc.name)))
            await ask_organisation(call, state, uow, ret="report")
            return
        # checked before any detail is asked, not only at «Отправить»
        if await contract_refused(call, state, uow, tz, org=org, service_code=svc.code, ret="report"):
            return
    declined = set((await state.get_data()).get("o_no", []))
    outages = [o for o in await open_for_service(uow=uow.read(), service_code=svc.code) if o.id not in declined]
    if outages:
        await report_outage.offer(call, state, outages, tz)
        return
    await steps.ask_type(call, state, uow)


async def _organisation(uow: UowFactory, user: User) -> Organisation | None:
    """The user's organisation as stored now (the user of the update may be a cached copy)."""
    if user.organisation_id is None:
        return None
    try:
        return await catalog.get_organisation(uow=uow(), org_id=user.organisation_id)
    except NotFound:
        return None


@router.callback_query(ReportSG.rtype, RepCb.filter(F.a == "type"))
async def on_type(call: CallbackQuery, callback_data: RepCb, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                  user: User) -> None:
    svc = await services.get_service(uow, (await state.get_data())["svc"])
    if callback_data.v not in (svc.request_types or steps.ALL_TYPES):
        await refuse_button(call, f"request type not offered by {svc.code}")
        return
    await steps.start_fields(call, state, uow, tz, user, callback_data.v)


def _current_key(data: dict[str, Any]) -> str:
    """The field the step asks (the one being corrected from the summary, else the next one)."""
    return data["edit_key"] if data.get("edit") else data["keys"][data["idx"]]


async def _store(event: Event, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None, tz: ZoneInfo,
                 user: User, key: str, value: Any) -> None:
    """Keeps a value, offers articles once the problem is described, and moves on."""
    data = await state.get_data()
    vals = {**data["vals"]}
    if value is None:
        vals.pop(key, None)
    else:
        vals[key] = value
    await state.update_data(vals=vals)
    if data.get("edit"):
        await steps.show_summary(event, state, tz)
        return
    if key in DESC_KEYS and value and not data.get("ss_desc_done") and isinstance(event, Message):
        await state.update_data(ss_desc_done=True)
        if await selfservice.offer(event, state, kb=kb, uow=uow, user=user, query=str(value), service=data["svc"],
                                   ctx="report_desc"):
            await state.set_state(ReportSG.kb)
            return
    await _next_field(event, state, tz)


async def _next_field(event: Event, state: FSMContext, tz: ZoneInfo) -> None:
    data = await state.get_data()
    await state.update_data(idx=data["idx"] + 1)
    await steps.ask_field(event, state, tz)


@router.message(ReportSG.field, ANSWER_TEXT)
async def on_field_text(message: Message, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None,
                        tz: ZoneInfo, user: User) -> None:
    text = message.text or ""
    await state.update_data(paste=answers.paste_part(message, text, await state.get_data()))
    await take_text(message, text, state, uow, kb, tz, user)


async def take_text(message: Message, text: str, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None,
                    tz: ZoneInfo, user: User) -> None:
    """Checks a typed answer to the current field step and keeps it, or says what is wrong with it."""
    data = await state.get_data()
    spec = FIELDS[_current_key(data)]
    if spec.kind is FieldKind.choice:
        await message.answer(_("Выберите вариант кнопкой под вопросом."))
        return
    if spec.kind is FieldKind.files:
        await message.answer(_("Пришлите фото или файл, либо нажмите «Готово»."))
        return
    try:
        value = check_value(spec, text, now=utcnow(), tz=tz)
    except ValueError as exc:
        await message.answer(common.field_refusal(spec, str(exc), text))
        return
    await state.update_data(answers=answers.with_answer(data, message.message_id, spec.key))
    await steps.retire_question(message, state)
    await _store(message, state, uow, kb, tz, user, spec.key, value)


@router.callback_query(ReportSG.field, RepCb.filter(F.a == "choice"))
async def on_choice(call: CallbackQuery, callback_data: RepCb, state: FSMContext, uow: UowFactory,
                    kb: KnowledgeBase | None, tz: ZoneInfo, user: User) -> None:
    data = await state.get_data()
    if not steps.on_prompt(call, data):
        await steps.old_step(call, "a choice of an earlier step")
        return
    spec = FIELDS[_current_key(data)]
    if spec.kind is not FieldKind.choice or callback_data.v not in spec.choices:
        await call.answer(_("Этот вариант сейчас не подходит."))
        return
    await _store(call, state, uow, kb, tz, user, spec.key, callback_data.v)


@router.callback_query(ReportSG.field, RepCb.filter(F.a == "skip"))
async def on_skip(call: CallbackQuery, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None, tz: ZoneInfo,
                  user: User) -> None:
    data = await state.get_data()
    if not steps.on_prompt(call, data):
        await steps.old_step(call, "«Пропустить» of an earlier step")
        return
    spec = FIELDS[_current_key(data)]
    if spec.required:
        await call.answer(_("Это поле обязательное."), show_alert=True)
        return
    await _store(call, state, uow, kb, tz, user, spec.key, None)


@router.message(ReportSG.field, FILE)
async def on_file(message: Message, state: FSMContext, settings: Settings) -> None:
    data = await state.get_data()  # a file at a text step: handlers/report_edits.py
    ref, problem = common.file_ref(message, settings.max_file_mb)
    if ref is None:
        await message.answer("⚠️ " + (problem or ""))
        return
    files = [*data.get("files", []), ref]
    await state.update_data(files=files)
    text = _("📎 Файл «{name}» принят ({n}). Пришлите ещё или нажмите «Готово».").format(
        name=escape(common.file_label(ref["name"])), n=len(files))
    markup = inline([[(_("✅ Готово"), RepCb(a="done"))]])
    ack = data.get("files_ack") or {}
    album = message.media_group_id
    if album is not None and ack.get("album") == album and message.bot is not None:
        # an album comes as up to 10 messages at once: one answer, edited, not ten (1 message/s in a chat)
        try:
            await message.bot.edit_message_text(chat_id=message.chat.id, message_id=ack["mid"], text=text,
                                                reply_markup=markup)
            return
        except TelegramBadRequest as exc:  # deleted meanwhile: a new answer
            log.info("could not edit the album's answer %s: %s", ack["mid"], exc.message)
    elif ack.get("mid"):  # the previous file's «Готово» is not the one to press any more
        await common.drop_keyboard_of(message, int(ack["mid"]))
    sent = await message.answer(text, reply_markup=markup)
    await state.update_data(files_ack={"mid": sent.message_id, "album": album})


@router.callback_query(ReportSG.field, RepCb.filter(F.a == "done"))
async def on_files_done(call: CallbackQuery, state: FSMContext, tz: ZoneInfo) -> None:
    data = await state.get_data()
    spec = FIELDS[_current_key(data)]
    if spec.required and not data.get("files"):
        await call.answer(_("Этот файл обязателен: пришлите его, пожалуйста."), show_alert=True)
        return
    await state.update_data(files_ack=None)
    if data.get("edit"):
        await steps.show_summary(call, state, tz)
        return
    await _next_field(call, state, tz)


@router.callback_query(ReportSG.impact, RepCb.filter(F.a == "imp"))
async def on_impact(call: CallbackQuery, callback_data: RepCb, state: FSMContext) -> None:
    data = await state.get_data()
    kind = data["imp_steps"][data["imp_i"]]
    if not steps.on_prompt(call, data):
        await steps.old_step(call, "an impact answer of an earlier step")
        return
    if callback_data.v not in (AFFECTED_NAMES if kind == "affected" else ("0", "1")):
        await refuse_button(call, f"not an answer to the impact question {kind}")
        return
    value: Any = callback_data.v if kind == "affected" else callback_data.v == "1"
    await state.update_data(imp={**data.get("imp", {}), kind: value})
    await steps.ask_impact(call, state, step=data["imp_i"] + 1)


@router.callback_query(ReportSG.priority, RepCb.filter(F.a == "prio"))
async def on_priority(call: CallbackQuery, callback_data: RepCb, state: FSMContext, tz: ZoneInfo) -> None:
    if not steps.on_prompt(call, await state.get_data()):
        await steps.old_step(call, "a priority of an earlier step")
        return
    if callback_data.v not in ("1", "2", "3", "4"):
        await refuse_button(call, "not a priority")
        return
    await state.update_data(prio=int(callback_data.v))
    await steps.show_summary(call, state, tz)


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


async def _continue_after_desc(call: CallbackQuery, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                               user: User | None) -> None:
    await _next_field(call, state, tz)


async def _continue_final(call: CallbackQuery, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                          user: User | None) -> None:
    if user is None:  # the user middleware always sets it in a private chat; nothing to register without it
        log.error("report confirmation without a user")
        return
    await create(call, state, uow, tz, user)


selfservice.CONTINUE["report_desc"] = _continue_after_desc
selfservice.CONTINUE["report_final"] = _continue_final

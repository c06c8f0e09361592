"""The guided intake: service → type → the required fields → impact → priority → summary → «Отправить».

This module asks the steps up to the summary; handlers/report_send.py has the summary's edits, «Отправить» (the
registration), «Назад» and the answers to text where a button is expected."""

from __future__ import annotations

import logging
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.keyboards import RepCb, inline
from bot.states import ReportSG
from bot.texts import _
from core.catalog import service as catalog
from core.catalog.intake import AFFECTED_NAMES, FIELDS, FieldKind, check_value
from core.catalog.models import Organisation, User
from core.db import utcnow
from core.errors import NotFound
from core.outages.service import open_for_service
from core.settings import Settings
from core.uow import UowFactory
from core.verification.codes import Policy
from handlers import common, report_outage, selfservice, services
from handlers import report_answers as answers
from handlers import report_steps as steps
from handlers.common import ANSWER_TEXT, FILE, Event, refuse_button, say
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


async def _continue_after_desc(call: CallbackQuery, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                               user: User | None) -> None:
    await _next_field(call, state, tz)


selfservice.CONTINUE["report_desc"] = _continue_after_desc

"""Answers that arrive other than as one new message of the kind asked: the parts of a long paste, edited
answers, and a file sent where a text is asked.

Why and how pastes and edits are recognised: handlers/report_answers.py. This router sits ahead of the report's own.
"""

from __future__ import annotations

from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot import texts
from bot.states import ReportSG
from bot.texts import _
from core.catalog.intake import FIELDS, FieldKind, check_value
from core.catalog.models import User
from core.db import utcnow
from core.settings import Settings
from core.uow import UowFactory
from handlers import common, report
from handlers import report_answers as answers
from handlers import report_steps as steps
from handlers.common import FILE
from kb.service import KnowledgeBase

router = Router(name="report-edits")


@router.message(StateFilter(ReportSG), F.text, answers.PasteTail())
async def on_paste_tail(message: Message, state: FSMContext, paste: dict[str, Any], uow: UowFactory,
                        kb: KnowledgeBase | None, tz: ZoneInfo, user: User) -> None:
    # back to the step the first part answered, as if the whole paste had come in one message
    text = answers.joined(paste["text"], message.text or "", forwarded=bool(paste.get("fwd")))
    before, now = dict(paste["before"]), await state.get_data()
    if now.get("step_mid") != before.get("step_mid"):  # the head moved the dialog on (its step's buttons went)
        if now.get("step_kb"):  # the next step's question, asked for the head alone, is not the step any more
            await common.drop_keyboard_of(message, int(now["step_mid"]))
        before["step_kb"] = False
    await state.set_data({**before, "paste": answers.paste_part(message, text, before)})
    await state.set_state(ReportSG.field)
    await report.take_text(message, text, state, uow, kb, tz, user)
    after = await state.get_data()
    if after.get("step_mid") == before.get("step_mid") and not after.get("step_kb") \
            and await state.get_state() == ReportSG.field.state:
        await steps.ask_field(message, state, tz)  # the whole paste refused: its step again, with its buttons


@router.message(ReportSG.field, FILE)
async def on_file_at_text_step(message: Message, state: FSMContext, settings: Settings, uow: UowFactory,
                               kb: KnowledgeBase | None, tz: ZoneInfo, user: User) -> None:
    data = await state.get_data()
    spec = FIELDS[report._current_key(data)]
    if spec.kind is FieldKind.files:
        raise SkipHandler  # the files step: the report's own handler takes it
    label = escape(texts.field_label(spec.key))
    caption = (message.caption or "").strip()  # a screenshot with its description: the description answers
    if not any(FIELDS[k].kind is FieldKind.files for k in data["order"]):
        later = _("Файл можно будет приложить после регистрации обращения — в разделе «Мои обращения».")
        await message.answer(later if caption else _("Сейчас нужен текст: {label}.").format(label=label) + " " + later)
    else:  # kept for the files step, so a screenshot sent early is not lost (nor the step asked about again)
        ref, problem = common.file_ref(message, settings.max_file_mb)
        if ref is None:
            await message.answer("⚠️ " + (problem or ""))
            return
        await state.update_data(files=[*data.get("files", []), ref], early_album=message.media_group_id)
        if message.media_group_id is not None and data.get("early_album") == message.media_group_id and not caption:
            return  # the rest of an album: told once
        kept = _("📎 Файл «{name}» сохранён, он будет приложен к обращению.").format(
            name=escape(common.file_label(ref["name"])))
        await message.answer(kept if caption else kept + " " + _("А сейчас нужен текст: {label}.").format(label=label))
    if caption:
        await report.take_text(message, caption, state, uow, kb, tz, user)


@router.message(ReportSG.field, ~F.text, ~FILE)
async def on_other_kind_at_a_step(message: Message, state: FSMContext) -> None:
    # a sticker, a location, a contact or a video: said what the step needs, not «another answer» in general
    spec = FIELDS[report._current_key(await state.get_data())]
    if spec.kind is FieldKind.files:
        await message.answer(_("Сюда подойдут фото, голосовое сообщение, аудиозапись или файл-документ. Пришлите его "
                               "или нажмите «Готово»."))
    elif spec.kind is FieldKind.choice:
        await message.answer(_("Выберите вариант кнопкой под вопросом."))
    else:
        await message.answer(_("Сейчас нужен текст: {label}. Стикеры, геопозицию и контакты я не читаю — напишите, "
                               "пожалуйста, словами.")
                             .format(label=escape(texts.field_label(spec.key))))


@router.edited_message(StateFilter(ReportSG), F.text)
async def on_edited_answer(message: Message, state: FSMContext, tz: ZoneInfo) -> None:
    data = await state.get_data()
    key, last = answers.answered_field(data, message.message_id)
    if key is None:
        await message.answer(_("Исправления этого сообщения я не учитываю: ответьте на вопрос новым сообщением."))
        return
    label = texts.field_label(key)
    if not last:
        await message.answer(_("Это не последний ваш ответ, поэтому исправление не учтено. Чтобы изменить "
                               "«{label}», на экране проверки обращения нажмите «✏️ {label}».")
                             .format(label=escape(label)))
        return
    text = message.text or ""
    try:
        value = check_value(FIELDS[key], text, now=utcnow(), tz=tz)
    except ValueError as exc:
        await message.answer(common.field_refusal(FIELDS[key], str(exc), text))
        return
    await state.update_data(vals={**data["vals"], key: value})
    await _show_again(message, state, tz, data)


async def _show_again(message: Message, state: FSMContext, tz: ZoneInfo, data: dict[str, Any]) -> None:
    """What the dialog shows at the step it is on, now with the corrected answer."""
    current = await state.get_state()
    if current in (ReportSG.field.state, ReportSG.impact.state, ReportSG.priority.state):
        await steps.retire_question(message, state)  # the step is asked again below: one question with buttons
    if current == ReportSG.summary.state:
        if data.get("sum_mid"):  # the older summary's «📨 Отправить» would send values it no longer shows
            await common.drop_keyboard_of(message, data["sum_mid"])
        await steps.show_summary(message, state, tz)
    elif current == ReportSG.field.state:
        await steps.ask_field(message, state, tz)
    elif current == ReportSG.impact.state:
        await steps.ask_impact(message, state, step=data["imp_i"])
    elif current == ReportSG.priority.state:
        await steps.ask_priority(message, state)
    else:  # the knowledge-base offer (or a step without text answers) waits for its buttons
        await message.answer(_("Ответ исправлен. Ответьте, пожалуйста, кнопкой под последним сообщением."))

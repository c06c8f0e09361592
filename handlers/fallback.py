"""Everything no dialog claimed: free text starts a report (KB first); the rest gets a short helpful answer."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import TicketCb
from bot.keyboards import RepCb, inline, main_menu
from bot.states import ProfileSG
from bot.texts import _
from core.catalog.models import User
from core.tickets import queries
from core.tickets.queries import TicketFilter
from core.uow import UowFactory
from handlers import report_outage, selfservice
from handlers.common import refuse_button
from kb.service import KnowledgeBase

router = Router(name="fallback")
MIN_TEXT = 8  # shorter texts («привет», «ок») are not a problem description


@router.message(StateFilter(None), F.text & ~F.text.startswith("/"))
async def on_free_text(message: Message, state: FSMContext, kb: KnowledgeBase | None, uow: UowFactory,
                       tz: ZoneInfo, user: User) -> None:
    text = (message.text or "").strip()
    if len(text) < MIN_TEXT:
        await message.answer(_("Здравствуйте! Опишите проблему подробнее или выберите действие в меню."),
                             reply_markup=main_menu())
        return
    await state.update_data(ft_mid=message.message_id)  # its edit, before a button is pressed, replaces the text
    # A specialist waits for this user's answer: the text is most likely it, typed without «Ответить» (it was taken
    # for a new problem and the ticket's clock stayed stopped). Asked, not assumed.
    waiting, _n = await queries.search(uow=uow(), flt=TicketFilter(requester_id=user.id, status="waiting_user"),
                                       limit=1)
    if waiting:
        t = waiting[0]
        await state.update_data(ft_text=text)
        await message.answer(
            _("По обращению <b>{number}</b> специалист ждёт вашего ответа:\n<i>{q}</i>\n\nЭто ответ на его вопрос?")
            .format(number=escape(t.number or ""), q=escape(t.pending_question or "")),
            reply_markup=inline([[(_("✅ Да, отправить как ответ"), TicketCb(action="answer_ft", ticket_id=t.id))],
                                 [(_("📝 Нет, это другое"), RepCb(a="ft_other"))]]))
        return
    await _as_new_request(message, state, kb=kb, uow=uow, tz=tz, user=user, text=text)


@router.callback_query(RepCb.filter(F.a == "ft_other"))
async def on_not_an_answer(call: CallbackQuery, state: FSMContext, kb: KnowledgeBase | None, uow: UowFactory,
                           tz: ZoneInfo, user: User) -> None:
    text = str((await state.get_data()).get("ft_text") or "")
    if not text or not isinstance(call.message, Message):
        await refuse_button(call, "free text gone")
        return
    await call.answer()
    await _as_new_request(call.message, state, kb=kb, uow=uow, tz=tz, user=user, text=text)


async def _as_new_request(message: Message, state: FSMContext, *, kb: KnowledgeBase | None, uow: UowFactory,
                          tz: ZoneInfo, user: User, text: str) -> None:
    """Free text as the start of a request: an outage it matches, articles that may answer it, or a new ticket."""
    # free text is the start of a request: counted once here, not again when «Создать обращение» is pressed
    if kb is not None:
        await kb.record_request_started(uow=uow(), user_id=user.id)
    await state.update_data(ft_text=text, ft_counted=True)
    if await report_outage.offer_for_text(message, state, uow=uow, kb=kb, tz=tz, text=text):
        return
    if await selfservice.offer(message, state, kb=kb, uow=uow, user=user, query=text, service=None, ctx="free_text"):
        return
    await message.answer(_("Похоже, вы описываете проблему. Создать обращение? Я подставлю ваш текст в описание."),
                         reply_markup=inline([[(_("📝 Создать обращение"), RepCb(a="new_ft"))]]))


@router.message(F.text.startswith("/"))
async def on_unknown_command(message: Message) -> None:
    await message.answer(_("Такой команды нет. Доступны: /report, /my, /kb, /outages, /profile, /help, /cancel."),
                         reply_markup=main_menu())


@router.message(StateFilter(None))
async def on_other(message: Message) -> None:
    await message.answer(_("Я понимаю текст, кнопки меню, а в обращении — фото и файлы. Напишите, что случилось, "
                           "или выберите действие в меню."), reply_markup=main_menu())


@router.message()
async def on_other_in_dialog(message: Message) -> None:
    await message.answer(_("Сейчас я жду другой ответ — следуйте подсказке выше или нажмите /cancel, чтобы выйти."))


@router.edited_message()
async def on_edited_elsewhere(message: Message, state: FSMContext) -> None:
    # what the first version did (a profile step, an answer to a specialist, a sent ticket) has gone on with it:
    # said, or the person believes the correction arrived (the report's own edits: handlers/report_edits.py)
    current, text = await state.get_state(), (message.text or "").strip()
    if current is None and (await state.get_data()).get("ft_mid") == message.message_id and len(text) >= MIN_TEXT:
        # the free text waits for «Создать обращение» or «Да, отправить как ответ»: the button takes the new one
        await state.update_data(ft_text=text)
        await message.answer(_("Исправление учтено: возьму исправленный текст."))
        return
    if (current or "").startswith(ProfileSG.__name__ + ":"):
        await message.answer(_("Исправления этого сообщения я не учитываю — остаётся первый вариант. Изменить "
                               "данные профиля можно будет в меню «Профиль»."))
        return
    await message.answer(_("Исправления этого сообщения я не учитываю: если нужно что-то уточнить, напишите "
                           "новым сообщением."))


@router.callback_query(F.data.regexp(r"^(rp|pf|ss|my|t):"))
async def on_stale_button(call: CallbackQuery) -> None:
    # only the buttons of these dialogs: another part's private-chat buttons must stay reachable
    await refuse_button(call, "stale, replayed or malformed")

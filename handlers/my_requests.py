"""«Мои обращения»: a paged list, the detail view, comments and files, cancel, answers, confirm/reject."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.callbacks import TicketCb
from bot.delivery.render import release_text
from bot.keyboards import Button, MyCb, inline, main_menu
from bot.states import MyReqSG
from bot.telegram import edit_text, send_text
from bot.texts import _
from core.catalog.models import User
from core.db import utcnow
from core.errors import NotFound
from core.settings import Settings
from core.tickets import releases
from core.tickets import service as tickets
from core.tickets.models import Ticket, TicketHistory
from core.tickets.service import Actor, FileRef, TicketFilter
from core.uow import UowFactory
from handlers import services
from handlers.common import ANSWER_TEXT, FILE, Event, deadline_text, file_ref, has_file, refuse_button, say, valid_id

log = logging.getLogger(__name__)
router = Router(name="my_requests")
PAGE = 5
MAX_PAGE = 10_000
OPEN = ("assigned", "in_progress", "waiting_user")


async def _due(uow: UowFactory, tz: ZoneInfo, ticket: Ticket) -> str:
    """The deadlines in words; while staff wait for the user, why there are none."""
    if ticket.status == "waiting_user":
        return _("Срок решения остановлен, пока вы не ответите.")
    return await deadline_text(uow, tz, ticket.id) if ticket.status in OPEN else ""


async def _service_names(uow: UowFactory) -> dict[int, str]:
    return {s.id: s.name for s in await services.all_services(uow)}


async def list_view(uow: UowFactory, tz: ZoneInfo, user: User, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and keyboard of one page of the user's tickets."""
    rows_, total = await tickets.search(uow=uow(), flt=TicketFilter(requester_id=user.id), offset=page * PAGE,
                                        limit=PAGE)
    if total == 0:
        return _("У вас пока нет обращений. Чтобы создать, нажмите «📝 Сообщить о проблеме»."), None
    names = await _service_names(uow)
    lines = [_("<b>Ваши обращения</b> (всего {n}):").format(n=total), ""]
    buttons: list[list[Button]] = []
    for t in rows_:
        due = await _due(uow, tz, t)
        line = f"<b>{escape(t.number or '')}</b> · {escape(names.get(t.service_id, ''))} · " \
               f"{escape(texts.status_name(t.status, t.approval))}"
        if due:
            line += f"\n   {escape(due)}"
        lines.append(line + f"\n   <i>{escape(t.title[:80])}</i>")
        label = f"{t.number} · {texts.status_name(t.status, t.approval)}"
        buttons.append([(label, MyCb(a="open", tid=t.id, page=page))])
    nav: list[Button] = []
    if page > 0:
        nav.append(("⬅️", MyCb(a="page", page=page - 1)))
    if (page + 1) * PAGE < total:
        nav.append(("➡️", MyCb(a="page", page=page + 1)))
    if nav:
        buttons.append(nav)
    return "\n".join(lines), inline(buttons)


async def show_list(message: Message, uow: UowFactory, tz: ZoneInfo, user: User, page: int) -> None:
    text, markup = await list_view(uow, tz, user, page)
    await message.answer(text, reply_markup=markup or main_menu())


@router.callback_query(MyCb.filter(F.a == "page"))
async def on_page(call: CallbackQuery, callback_data: MyCb, uow: UowFactory, tz: ZoneInfo, user: User) -> None:
    if not 0 <= callback_data.page <= MAX_PAGE:
        await refuse_button(call, "not a page of the list")
        return
    text, markup = await list_view(uow, tz, user, callback_data.page)
    await call.answer()
    await _edit(call, text, markup)


async def _own(uow: UowFactory, user: User, ticket_id: int) -> tuple[Ticket, list[TicketHistory]] | None:
    """The user's own ticket; None (and a log line) for anyone else's, a missing one or a forged id."""
    found = None
    if valid_id(ticket_id):
        try:
            found = await tickets.get(uow=uow(), ticket_id=ticket_id)
        except NotFound:
            found = None
    if found is None or found[0].requester_id != user.id:
        log.warning("user %s asked for ticket %s, which is not theirs", user.id, ticket_id)
        return None
    return found


async def detail_view(uow: UowFactory, tz: ZoneInfo, user: User, ticket_id: int,
                      page: int | None) -> tuple[str, InlineKeyboardMarkup | None]:
    found = await _own(uow, user, ticket_id)
    if found is None:
        return _("Обращение не найдено."), None
    ticket, history = found
    comments = await tickets.comments(uow=uow(), ticket_id=ticket.id, public_only=True)
    service = next((s for s in await services.all_services(uow) if s.id == ticket.service_id), None)
    due = await _due(uow, tz, ticket)
    release = await releases.installed_facts(uow=uow(), ticket=ticket)  # its stored solution is Russian
    text = texts.ticket_card(ticket, service_name=service.name if service else "", tz=tz, history=history,
                             comments=comments, due_text=due, policy=service.sla_policy if service else None,
                             solution_html=release_text(lambda m, **kw: _(m).format(**kw), release)
                             if release else None)
    tid = ticket.id
    rows: list[list[Button]] = []
    if ticket.status == "waiting_user":
        rows.append([(_("💬 Ответить на вопрос"), TicketCb(action="answer", ticket_id=tid))])
    if ticket.status == "resolved":
        rows.append([(_("✅ Подтвердить"), TicketCb(action="confirm", ticket_id=tid)),
                     (_("👎 Не помогло"), TicketCb(action="reject", ticket_id=tid))])
    if ticket.status not in ("closed", "cancelled"):
        rows.append([(_("📎 Комментарий или файл"), TicketCb(action="comment", ticket_id=tid))])
    if ticket.status in OPEN:
        rows.append([(_("🚫 Отменить обращение"), TicketCb(action="cancel", ticket_id=tid))])
    if page is not None:
        rows.append([(_("⬅️ К списку"), MyCb(a="page", page=page))])
    return text, inline(rows) if rows else None


@router.callback_query(MyCb.filter(F.a == "open"))
async def on_open_from_list(call: CallbackQuery, callback_data: MyCb, uow: UowFactory, tz: ZoneInfo,
                            user: User) -> None:
    text, markup = await detail_view(uow, tz, user, callback_data.tid, callback_data.page)
    await call.answer()
    await _edit(call, text, markup)


async def _edit(call: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Paging and the detail view replace the list message instead of adding new ones."""
    if call.message is not None and call.bot is not None:
        await edit_text(call.bot, call.message.chat.id, call.message.message_id, text, reply_markup=markup)


@router.callback_query(TicketCb.filter(F.action == "open"))
async def on_open(call: CallbackQuery, callback_data: TicketCb, uow: UowFactory, tz: ZoneInfo, user: User) -> None:
    text, markup = await detail_view(uow, tz, user, callback_data.ticket_id, 0)
    await call.answer()
    if call.message is not None and call.bot is not None:
        await send_text(call.bot, call.message.chat.id, text, reply_markup=markup)


async def _ticket_in(call: CallbackQuery, uow: UowFactory, user: User, ticket_id: int, statuses: tuple[str, ...]
                     ) -> Ticket | None:
    """The user's ticket if its status allows the button pressed; otherwise says why not."""
    found = await _own(uow, user, ticket_id)
    if found is None:
        await call.answer(_("Обращение не найдено."), show_alert=True)
        return None
    ticket = found[0]
    if ticket.status not in statuses:
        await call.answer(_("Сейчас это недоступно: обращение {number} {status}.").format(
            number=ticket.number, status=texts.status_name(ticket.status)), show_alert=True)
        return None
    return ticket


@router.callback_query(TicketCb.filter(F.action == "cancel"))
async def on_cancel(call: CallbackQuery, callback_data: TicketCb, uow: UowFactory, user: User) -> None:
    ticket = await _ticket_in(call, uow, user, callback_data.ticket_id, OPEN)
    if ticket is None:
        return
    await say(call, _("Отменить обращение <b>{number}</b>? Работа по нему прекратится.").format(
        number=escape(ticket.number or "")), inline([[(_("Да, отменить"), MyCb(a="cancel_yes", tid=ticket.id)),
                                                       (_("Нет"), MyCb(a="cancel_no", tid=ticket.id))]]))


@router.callback_query(MyCb.filter(F.a == "cancel_yes"))
async def on_cancel_yes(call: CallbackQuery, callback_data: MyCb, uow: UowFactory, user: User) -> None:
    ticket = await _ticket_in(call, uow, user, callback_data.tid, OPEN)
    if ticket is None:
        return
    await tickets.apply_action(uow=uow(), ticket_id=ticket.id, action="cancel", actor=Actor("user", user.id),
                               params={"reason": "отменено пользователем"})
    await say(call, _("Обращение <b>{number}</b> отменено.").format(number=escape(ticket.number or "")),
              main_menu())


@router.callback_query(MyCb.filter(F.a == "cancel_no"))
async def on_cancel_no(call: CallbackQuery) -> None:
    await say(call, _("Хорошо, обращение остаётся в работе."))


@router.callback_query(TicketCb.filter(F.action.in_({"answer", "reject", "comment"})))
async def on_text_action(call: CallbackQuery, callback_data: TicketCb, state: FSMContext, uow: UowFactory,
                         user: User) -> None:
    action = callback_data.action
    allowed = {"answer": ("waiting_user",), "reject": ("resolved",),
               "comment": (*OPEN, "resolved")}[action]
    ticket = await _ticket_in(call, uow, user, callback_data.ticket_id, allowed)
    if ticket is None:
        return
    sg = {"answer": MyReqSG.answer, "reject": MyReqSG.reject, "comment": MyReqSG.comment}[action]
    await state.clear()
    await state.set_state(sg)
    await state.update_data(tid=ticket.id, number=ticket.number)
    number = escape(ticket.number or "")
    if action == "answer":
        prompt = _("Вопрос специалиста по <b>{number}</b>:\n<i>{q}</i>\n\nНапишите ответ одним сообщением.").format(
            number=number, q=escape(ticket.pending_question or ""))
    elif action == "reject":
        prompt = _("Расскажите, что не так с решением по <b>{number}</b> — обращение вернётся в работу.").format(
            number=number)
    else:
        prompt = _("Напишите комментарий к <b>{number}</b> или пришлите файл.").format(number=number)
    await say(call, prompt, inline([[(_("✖️ Отмена"), MyCb(a="drop"))]]))


@router.callback_query(TicketCb.filter(F.action == "answer_ft"))
async def on_free_text_is_the_answer(call: CallbackQuery, callback_data: TicketCb, state: FSMContext,
                                     uow: UowFactory, user: User) -> None:
    text = str((await state.get_data()).get("ft_text") or "")
    ticket = await _ticket_in(call, uow, user, callback_data.ticket_id, ("waiting_user",)) if text else None
    if ticket is None:
        if not text:
            await refuse_button(call, "free text gone")
        return
    await _answered(call, state, uow, user, ticket_id=ticket.id, number=ticket.number or "", text=text)


async def _answered(event: Event, state: FSMContext, uow: UowFactory, user: User, *, ticket_id: int, number: str,
                    text: str, files: Sequence[FileRef] = ()) -> None:
    """The user's answer to the specialist's question goes to the ticket, and the user is thanked."""
    await tickets.apply_action(uow=uow(), ticket_id=ticket_id, action="user_answers", actor=Actor("user", user.id),
                               params={"text": text}, files=files)
    await state.clear()
    await say(event, _("Спасибо! Ответ передан специалисту, работа по <b>{number}</b> продолжается.").format(
        number=escape(number)), main_menu())


@router.callback_query(MyCb.filter(F.a == "drop"))
async def on_drop(call: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await say(call, _("Хорошо, ничего не отправлено."), main_menu())


@router.message(MyReqSG.answer, ANSWER_TEXT)
async def on_answer(message: Message, state: FSMContext, uow: UowFactory, user: User) -> None:
    data = await state.get_data()
    await _answered(message, state, uow, user, ticket_id=data["tid"], number=data["number"], text=message.text or "")


@router.message(MyReqSG.answer, FILE)
async def on_answer_with_file(message: Message, state: FSMContext, uow: UowFactory, settings: Settings,
                              user: User) -> None:
    # a screenshot with a caption is an answer too (it was refused as «Сейчас я жду другой ответ»)
    data = await state.get_data()
    ref, problem = file_ref(message, settings.max_file_mb)
    if ref is None:
        await message.answer("⚠️ " + (problem or ""))
        return
    await _answered(message, state, uow, user, ticket_id=data["tid"], number=data["number"],
                    text=(message.caption or "").strip() or _("📎 Ответ — в приложенном файле"), files=[FileRef(**ref)])


@router.message(MyReqSG.reject, ANSWER_TEXT)
async def on_reject(message: Message, state: FSMContext, uow: UowFactory, user: User) -> None:
    data = await state.get_data()
    await tickets.apply_action(uow=uow(), ticket_id=data["tid"], action="reject", actor=Actor("user", user.id),
                               params={"text": message.text or ""})
    await state.clear()
    await message.answer(_("Обращение <b>{number}</b> возвращено в работу. Спасибо, что рассказали.").format(
        number=escape(data["number"])), reply_markup=main_menu())


@router.callback_query(TicketCb.filter(F.action == "confirm"))
async def on_confirm(call: CallbackQuery, callback_data: TicketCb, uow: UowFactory, user: User) -> None:
    ticket = await _ticket_in(call, uow, user, callback_data.ticket_id, ("resolved",))
    if ticket is None:
        return
    await tickets.apply_action(uow=uow(), ticket_id=ticket.id, action="confirm", actor=Actor("user", user.id))
    await say(call, _("Спасибо за подтверждение! Обращение <b>{number}</b> закрыто.").format(
        number=escape(ticket.number or "")), main_menu())


@router.message(MyReqSG.comment, ANSWER_TEXT | FILE)
async def on_comment(message: Message, state: FSMContext, uow: UowFactory, settings: Settings, user: User) -> None:
    data = await state.get_data()
    files: list[FileRef] = []
    if has_file(message):
        ref, problem = file_ref(message, settings.max_file_mb)
        if ref is None:
            await message.answer("⚠️ " + (problem or ""))
            return
        files.append(FileRef(**ref))
    await tickets.add_comment(uow=uow(), ticket_id=data["tid"], actor=Actor("user", user.id),
                              text=message.text or message.caption or "", public=True, files=files,
                              now=utcnow())
    await state.clear()
    await message.answer(_("Добавлено к обращению <b>{number}</b>. Специалист увидит.").format(
        number=escape(data["number"])), reply_markup=main_menu())



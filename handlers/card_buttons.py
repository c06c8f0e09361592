"""The buttons of a ticket card in a line chat, their short dialogs, and replies to the card.

Every press is `core.tickets.service.apply_action` (the same use case and rules as the admin API's
`POST /tickets/{id}/actions`). A press is checked for: staff of the chat's group (router filter), a ticket of
this chat, the card's version; dialogs are FSM states keyed to the person in this chat (aiogram's
USER_IN_TOPIC: in a forum, per topic), so two staff fill two forms at once. /cancel stops one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CardCb, PickCb
from bot.staffchat.card import PRIORITY_NAMES
from core.errors import DomainError
from core.outages import service as outages
from core.staffdesk import cards, chats
from core.tickets import closing
from core.tickets import service as tickets
from core.tickets.lifecycle import ESCALATIONS, Actor
from core.tickets.models import ticket_number
from core.tickets.service import FileRef
from core.uow import UowFactory
from handlers.card_steps import GROUPS, LineStaff, apply_press, checked, dialog_state, pick_kb, say_under

log = logging.getLogger(__name__)
INTERNAL_TAG = "#внутр"
# a dialog's text step: what it asks and which params the text becomes
PROMPTS = {
    "ask": "Напишите вопрос пользователю. Пока он не ответит, часы SLA стоят.",
    "reply": "Напишите ответ пользователю.",
    "note": "Напишите внутреннюю заметку (пользователь её не увидит).",
    "wa": "Опишите обходное решение.",
    "coord": "Почему обращение возвращается координатору?",
    "l1": "Почему обращение возвращается на 1ЛТП?",
    "esc": "Опишите дефект для следующей линии (что проверено, что воспроизводится).",
    "fix": "Что должно работать после исправления (требования к исправлению для 3ЛТП)?",
    "ci": "Конфигурационная единица (класс проблемы), например «Интеграция / NTTM»:",
    "solution": "Текст решения для пользователя:",
    "relci": "Конфигурационная единица (класс проблемы), с которой обращение решится при установке релиза, "
             "например «Интерфейс / NTTM»:",
}
ACTIONS = {"take": "take", "diag": "diagnosis_done", "ask": "request_info", "wa": "give_workaround",
           "coord": "return_to_coordinator", "l1": "return_to_line1", "esc": "escalate", "resolve": "resolve",
           "assign": "assign", "prio": "change_priority"}


class CardSG(StatesGroup):
    text = State()


router = Router(name="card-buttons")
router.callback_query.filter(F.message.chat.type.in_(GROUPS), LineStaff())
router.message.filter(F.chat.type.in_(GROUPS), LineStaff())
outsiders = Router(name="card-outsiders")
outsiders.callback_query.filter(F.message.chat.type.in_(GROUPS))


@router.callback_query(CardCb.filter())
async def on_card(cq: CallbackQuery, callback_data: CardCb, staff_id: int, uow: UowFactory, bot: Bot, tz: ZoneInfo,
                  state: FSMContext) -> None:
    t, v, a = callback_data.t, callback_data.v, callback_data.a
    if a not in ACTIONS and a not in ("reply", "note", "out"):
        log.warning("card press refused: unknown action %r (by %s)", a, cq.from_user.id)
        await cq.answer("Кнопка не распознана.", show_alert=True)
        return
    if not await checked(cq, uow, bot, tz, t, v):
        return
    if a in ("take", "diag"):
        if await apply_press(cq, uow, ticket_id=t, action=ACTIONS[a], staff_id=staff_id):
            await cq.answer("Готово: взято в работу." if a == "take" else "Готово.")
        return
    if a == "assign":
        people = await chats.members(uow=uow(), group_code=(await _line(uow, t)))
        await cq.answer()
        await say_under(cq, uow, t, "Кому назначить?", reply_markup=pick_kb(
            [(name, PickCb(a="asg", t=t, v=v, x=str(sid))) for sid, name in people]))
        return
    if a == "prio":
        await cq.answer()
        await say_under(cq, uow, t, "Новый приоритет:", reply_markup=pick_kb(
            [(name, PickCb(a="prio", t=t, v=v, x=str(p))) for p, name in PRIORITY_NAMES.items()]))
        return
    if a == "esc":
        level = await _level(uow, t)
        await cq.answer()
        await say_under(cq, uow, t, "Куда эскалировать?", reply_markup=pick_kb(
            [(_LEVEL_NAMES.get(x, x), PickCb(a="esc", t=t, v=v, x=x)) for x in sorted(ESCALATIONS.get(level, ()))]))
        return
    if a == "out":
        service = (await cards.facts_of(uow=uow(), ticket_id=t))
        open_ = [o for o in await outages.open_outages(uow=uow.read())
                 if service is not None and service.service_code in (o.services or [])]
        if not open_:
            await cq.answer("По этому сервису сейчас нет открытых аварий.", show_alert=True)
            return
        await cq.answer()
        await say_under(cq, uow, t, "С какой аварией связать?", reply_markup=pick_kb(
            [(f"№{o.id}: {o.title[:40]}", PickCb(a="out", t=t, v=v, x=str(o.id))) for o in open_[:10]]))
        return
    if a == "resolve":
        await cq.answer()
        codes = await closing.list_codes(uow=uow(), active_only=True)  # the catalog (003 «Код закрытия»)
        await say_under(cq, uow, t, "Код закрытия:", reply_markup=pick_kb(
            [(c.name, PickCb(a="code", t=t, v=v, x=c.code)) for c in codes]))
        return
    await ask_text(cq, uow, state, step=a, t=t, v=v)


_LEVEL_NAMES = {"line2": "2ЛТП", "line3": "3ЛТП", "dev": "Группа разработки"}


async def _line(uow: UowFactory, t: int) -> str:
    cur = await cards.ticket_version(uow=uow(), ticket_id=t)
    return cur[2] if cur else ""


async def _level(uow: UowFactory, t: int) -> str:
    f = await cards.facts_of(uow=uow(), ticket_id=t)
    return f.line_level if f else ""


async def ask_text(cq: CallbackQuery, uow: UowFactory, state: FSMContext, *, step: str, t: int, v: int,
                   **extra: str) -> None:
    state = await dialog_state(cq, uow, t, state)
    await state.set_state(CardSG.text)
    data: dict[str, Any] = {"card_step": step, "card_t": t, "card_v": v}
    data.update({f"card_{k}": x for k, x in extra.items()})
    await state.update_data(data)
    await cq.answer()
    who = escape(cq.from_user.full_name)
    await say_under(cq, uow, t, f"{who}: {escape(PROMPTS[step])}\nНапишите одним сообщением; /cancel — отмена.")


@router.callback_query(PickCb.filter())
async def on_pick(cq: CallbackQuery, callback_data: PickCb, staff_id: int, uow: UowFactory, bot: Bot, tz: ZoneInfo,
                  state: FSMContext) -> None:
    t, v, a, x = callback_data.t, callback_data.v, callback_data.a, callback_data.x
    if not await checked(cq, uow, bot, tz, t, v):
        return
    if a == "asg" and x.isdigit():
        if await apply_press(cq, uow, ticket_id=t, action="assign", staff_id=staff_id, params={"assignee_id": int(x)}):
            await cq.answer("Назначено.")
    elif a == "prio" and x in ("1", "2", "3", "4"):
        if await apply_press(cq, uow, ticket_id=t, action="change_priority", staff_id=staff_id,
                        params={"priority": int(x)}):
            await cq.answer("Приоритет изменён.")
    elif a == "esc":
        await ask_text(cq, uow, state, step="esc", t=t, v=v, to=x)
    elif a == "out" and x.isdigit():
        try:
            await outages.link_ticket(uow=uow(), outage_id=int(x), ticket_id=t)
        except DomainError as exc:
            await cq.answer(exc.message, show_alert=True)
            return
        log.info("ticket %s linked to outage %s by staff %s", t, x, staff_id)
        await cq.answer("Связано с аварией: обращение решится при её восстановлении.")
    elif a == "code" and x in {c.code for c in await closing.list_codes(uow=uow(), active_only=True)}:
        await ask_text(cq, uow, state, step="ci", t=t, v=v, code=x)
    else:
        log.warning("card choice refused: %r (by %s)", cq.data, cq.from_user.id)
        await cq.answer("Кнопка не распознана.", show_alert=True)


TAKEN_KEPT = 20  # the last answers of a person's card dialogs in a chat, for handlers/staff_edits.py


async def end_dialog(state: FSMContext) -> None:
    """Ends a card dialog; the ids of the messages it took stay (an edit of one is answered, staff_edits.py)."""
    taken = (await state.get_data()).get("card_taken", [])
    await state.set_state(None)
    await state.set_data({"card_taken": taken} if taken else {})


async def answers_taken(state: FSMContext) -> list[int]:
    """The ids of the messages this person's card dialogs in this chat took as answers, newest last."""
    return list((await state.get_data()).get("card_taken", []))


@router.message(CardSG.text, Command("cancel"))
async def on_cancel(message: Message, state: FSMContext) -> None:
    await end_dialog(state)
    await message.answer("Отменено.")


@router.message(CardSG.text, F.text)
async def on_text(message: Message, state: FSMContext, staff_id: int, uow: UowFactory) -> None:
    data = await state.get_data()
    step, t, v = data.get("card_step"), int(data.get("card_t") or 0), int(data.get("card_v") or 0)
    other = await _replied_card(message, uow)
    if other is not None and other != t:  # a reply to another ticket's card is for that ticket, not this dialog
        await end_dialog(state)
        await message.answer(f"Диалог по {ticket_number(t)} отменён: это ответ на карточку {ticket_number(other)}.")
        await _relay_reply(message, uow, ticket_id=other, staff_id=staff_id)
        return
    text = (message.text or "").strip()
    # typed without replying to anything in a plain group: only this list tells an edit of it from chatter
    await state.update_data(card_taken=[*data.get("card_taken", []), message.message_id][-TAKEN_KEPT:])
    if step == "ci":  # the resolution form: configuration item, then the solution
        await state.update_data(card_step="solution", card_ci=text)
        await message.answer(escape(PROMPTS["solution"]))
        return
    if step == "esc" and data.get("card_to") == "line3":  # a task for 3ЛТП: the defect, then the fix (003)
        await state.update_data(card_step="fix", card_defect=text)
        await message.answer(escape(PROMPTS["fix"]))
        return
    await end_dialog(state)
    if step in ("reply", "note"):
        await comment_from_chat(message, uow, ticket_id=t, staff_id=staff_id, text=text, public=step == "reply",
                                ack=True)
        return
    cur = await cards.ticket_version(uow=uow(), ticket_id=t)
    if cur is None or cur[0] != v:
        await message.answer("Не применено: карточка устарела, пока вы писали. Посмотрите текущую и повторите.")
        return
    params: dict[str, Any] = {"text": text, "reason": text}
    if step in ("esc", "fix"):
        params["to_line"] = data.get("card_to")
    if step == "fix":
        params.update(defect=data.get("card_defect"), fix_requirements=text, text=data.get("card_defect"))
    if step == "solution":
        params.update(closing_code=data.get("card_code"), config_item=data.get("card_ci"))
    if step == "relci":  # «🚀 Решить релизом» (handlers/card_release.py): the release chosen, then the item
        params = {"release_id": data.get("card_rel"), "config_item": text}
    action = "link_release" if step == "relci" else ACTIONS.get({"solution": "resolve", "fix": "esc"}.get(str(step),
                                                                                                      str(step)))
    if action is None:
        return
    if await apply_press(message, uow, ticket_id=t, action=action, staff_id=staff_id, params=params):
        await message.answer("Готово.")


async def comment_from_chat(message: Message, uow: UowFactory, *, ticket_id: int, staff_id: int, text: str,
                            public: bool, files: Sequence[FileRef] = (), ack: bool | None = None) -> None:
    """A staff comment written in a line chat; a plain message in a forum topic is not acknowledged (the
    group's budget of 20 messages a minute), a dialog's answer is."""
    try:
        await tickets.add_comment(uow=uow(), ticket_id=ticket_id, actor=Actor("staff", staff_id), text=text,
                                  public=public, files=files)
    except DomainError as exc:
        log.info("comment on %s by staff %s refused: %s", ticket_id, staff_id, exc.message)
        await message.answer("Не отправлено: обращение закрыто или недоступно.")
        return
    if ack if ack is not None else not message.is_topic_message:
        await message.answer("Отправлено пользователю." if public else
                             "Заметка сохранена (пользователь её не видит).")


@router.message(F.reply_to_message, F.text, ~F.is_topic_message)
async def on_reply_to_card(message: Message, staff_id: int, uow: UowFactory) -> None:
    """A reply to a card's message reaches the user; `/note` or `#внутр` keeps it internal."""
    ticket_id = await _replied_card(message, uow)
    if ticket_id is not None:
        await _relay_reply(message, uow, ticket_id=ticket_id, staff_id=staff_id)


async def _replied_card(message: Message, uow: UowFactory) -> int | None:
    """The ticket whose card this message replies to (a plain group's way to address one ticket)."""
    replied = message.reply_to_message
    if replied is None:
        return None
    return await cards.ticket_by_message(uow=uow(), chat_id=message.chat.id, message_id=replied.message_id)


async def _relay_reply(message: Message, uow: UowFactory, *, ticket_id: int, staff_id: int) -> None:
    """A reply to a card reaches its ticket's requester; `/note` or `#внутр` keeps it internal."""
    text = (message.text or "").strip()
    internal = INTERNAL_TAG in text.lower() or text.startswith("/note")
    if text.startswith("/note"):
        text = text.removeprefix("/note").strip()
    await comment_from_chat(message, uow, ticket_id=ticket_id, staff_id=staff_id, text=text, public=not internal)


@outsiders.callback_query(F.data.startswith("c:") | F.data.startswith("cp:"))
async def on_outsider(cq: CallbackQuery, uow: UowFactory) -> None:
    """Not staff of this chat's group, or data no card of ours carries: a polite refusal and a log line."""
    chat_id = cq.message.chat.id if cq.message is not None else 0
    staff = await chats.staff_in_chat(uow=uow(), chat_id=chat_id, tg_id=cq.from_user.id)
    if staff is None:
        log.info("card press by %s in chat %s refused: not staff of the chat's group", cq.from_user.id, chat_id)
        await cq.answer("Кнопки карточки — для сотрудников группы поддержки этого чата.", show_alert=True)
        return
    log.warning("forged card data %r from %s in chat %s refused", cq.data, cq.from_user.id, chat_id)
    await cq.answer("Кнопка не распознана: откройте актуальную карточку.", show_alert=True)

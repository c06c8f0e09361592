"""Edits of the answers to line 1's notice dialogs (/outage, /restore, /works, /news) in a line chat.

Telegram sends an edit as `edited_message`. An answer the step refused (a time not understood, a text too long)
is still awaited while its step waits: its corrected version is taken as the answer. An answer a step took has
moved the dialog on with its first version (the next step is asked, or the notice went out): the declarer is told
once, in the dialog's words (not the tickets' of staff_edits.py, which would say it reached a user), how to change
it. Edits of anything else go on to staff_edits.py.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.texts import _
from core.outages.declarers import Declarer
from core.uow import UowFactory
from handlers import news_chat, outage_chat, works_chat
from handlers.line1_steps import ANSWER, GROUPS, MayDeclare

router = Router(name="line1-edits")
router.edited_message.filter(F.chat.type.in_(GROUPS))

Step = Callable[..., Awaitable[None]]
# the text steps, by their state: an edited refused answer is given to its step's own handler
STEPS: dict[str | None, Step] = {
    outage_chat.OutageSG.title.state: outage_chat.on_title,
    outage_chat.OutageSG.what.state: outage_chat.on_what,
    outage_chat.OutageSG.eta.state: outage_chat.on_eta,
    outage_chat.OutageSG.resolution.state: outage_chat.on_resolution,
    works_chat.WorksSG.title.state: works_chat.on_title,
    works_chat.WorksSG.what.state: works_chat.on_what,
    works_chat.WorksSG.start.state: works_chat.on_time,
    works_chat.WorksSG.end.state: works_chat.on_time,
    news_chat.NewsSG.title.state: news_chat.on_title,
    news_chat.NewsSG.text.state: news_chat.on_text,
}
DIALOGS = tuple(sg.__name__ + ":" for sg in (outage_chat.OutageSG, works_chat.WorksSG, news_chat.NewsSG))


@router.edited_message(ANSWER, MayDeclare())
async def on_edited_answer(message: Message, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                           declarer: Declarer) -> None:
    data, current = await state.get_data(), await state.get_state()
    waiting = data.get("l1_refused")
    if waiting and waiting[0] == message.message_id and waiting[1] == current and current in STEPS:
        await _call(STEPS[current], message, state=state, uow=uow, tz=tz, declarer=declarer)
        return
    if message.message_id not in data.get("l1_taken", []):
        raise SkipHandler  # not an answer of these dialogs: staff_edits.py
    if (current or "").startswith(DIALOGS):
        text = _("✏️ Правка не учтена: этот шаг уже принял первый вариант, и диалог пошёл дальше. Чтобы изменить "
                 "ответ, нажмите «✖️ Отмена» и начните объявление заново; новое сообщение сейчас будет ответом на "
                 "текущий шаг.")
    else:
        text = _("✏️ Правка не учтена: диалог уже завершён с первым вариантом (если уведомление было отправлено, "
                 "оно ушло с ним). Уточнение пользователям можно разослать командой /news.")
    await message.reply(text)


async def _call(step: Step, message: Message, **available: Any) -> None:
    """A step's handler with the arguments it declares, as the Dispatcher would give them."""
    wanted = inspect.signature(step).parameters
    await step(message, **{k: v for k, v in available.items() if k in wanted})

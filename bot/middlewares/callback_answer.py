"""A button press is answered exactly once, whoever in the handler chain answers it.

Telegram refuses a second `answerCallbackQuery` for one query (and any answer after ~15 s) with
«query is too old and response timeout expired or query ID is invalid». A dialog step often has two
places that answer (the handler, then the shared `say()`), and the refusal used to abort the step
before its reply and its state: the user never saw the ticket number. So:

- `CallbackAnswerMiddleware` (outer, on updates) notes the query being handled, in handler data
  (`callback_answer`, read by the error handler) and in a context variable (read by the session);
- `answer_once` (a Bot session middleware) lets the first answer through and turns every later one into
  nothing, or into a plain message when it carries a text the user must read; an answer Telegram refuses
  as too late is logged, and its text is sent as a message, instead of failing the step.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import TelegramObject, Update

log = logging.getLogger(__name__)


@dataclass
class PendingAnswer:
    """The callback query of the update being handled and whether it was answered."""

    query_id: str
    chat_id: int | None
    answered: bool = False


_CURRENT: ContextVar[PendingAnswer | None] = ContextVar("callback_answer", default=None)


def is_query_expired(exc: TelegramBadRequest) -> bool:
    return "query is too old" in exc.message or "query id is invalid" in exc.message.lower()


class CallbackAnswerMiddleware(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        cq = event.callback_query if isinstance(event, Update) else None
        if cq is None:
            return await handler(event, data)
        chat_id = cq.message.chat.id if cq.message is not None else cq.from_user.id
        pending = PendingAnswer(query_id=cq.id, chat_id=chat_id)
        data["callback_answer"] = pending
        token = _CURRENT.set(pending)
        try:
            return await handler(event, data)
        finally:
            _CURRENT.reset(token)


async def _as_message(make_request: Any, bot: Bot, pending: PendingAnswer, text: str | None) -> None:
    if text and pending.chat_id is not None:
        await make_request(bot, SendMessage(chat_id=pending.chat_id, text=text, parse_mode=None))


async def answer_once(make_request: Any, bot: Bot, method: Any) -> Any:
    """Session middleware: one answer per query; a later (or too late) answer's text becomes a message."""
    pending = _CURRENT.get()
    if not isinstance(method, AnswerCallbackQuery) or pending is None or method.callback_query_id != pending.query_id:
        return await make_request(bot, method)
    if pending.answered:
        log.debug("callback %s already answered: a second answer is not sent", pending.query_id)
        await _as_message(make_request, bot, pending, method.text)
        return True
    pending.answered = True
    try:
        return await make_request(bot, method)
    except TelegramBadRequest as exc:
        if not is_query_expired(exc):
            raise
        log.info("callback %s answered too late (%s): the step goes on", pending.query_id, exc.message)
        await _as_message(make_request, bot, pending, method.text)
        return True

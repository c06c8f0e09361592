"""Builds the Bot and the Dispatcher: session, storage, middlewares, routers and the error handler."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ErrorEvent

from core.errors import Conflict, ContractRequired, DomainError, Forbidden, NotFound, ValidationFailed

if TYPE_CHECKING:
    from aiogram.client.session.base import BaseSession

    from bot.root import Root

log = logging.getLogger(__name__)

GENERIC_ERROR = "Что-то пошло не так, попробуйте ещё раз"


def _tr(data: dict[str, Any], text: str) -> str:
    i18n = data.get("i18n")
    return i18n.gettext(text, locale=data.get("locale")) if i18n is not None else text


def user_error_text(exc: BaseException, data: dict[str, Any]) -> str | None:
    """A short text for the user; None for an exception that is not the user's business (and gets logged)."""
    if isinstance(exc, NotFound):
        return _tr(data, "Не найдено")
    if isinstance(exc, Conflict):
        return _tr(data, "Обращение уже изменилось, обновите карточку")
    if isinstance(exc, Forbidden):
        return _tr(data, "Недостаточно прав для этого действия")
    if isinstance(exc, ValidationFailed):
        lines = [f"• {t}" for t in exc.fields.values()]
        return "\n".join([_tr(data, "Проверьте данные:"), *lines]) if lines else exc.message
    if isinstance(exc, ContractRequired):
        return exc.message
    if isinstance(exc, DomainError):
        return exc.message
    return None


async def on_error(event: ErrorEvent, bot: Bot, **data: Any) -> bool:
    """Maps domain errors to short texts and anything else to a generic apology; never re-raises."""
    exc = event.exception
    if isinstance(exc, TelegramBadRequest) and "message is not modified" in exc.message:
        return True  # an edit in place with the same content: nothing to tell anyone
    text = user_error_text(exc, data)
    if text is None:
        log.error("update %s failed", event.update.update_id, exc_info=exc)
        sink = data.get("root").extras.get("error_sink") if data.get("root") is not None else None
        if sink is not None:
            sink.append(exc)
        text = _tr(data, GENERIC_ERROR)
    from bot.telegram import escape

    upd = event.update
    try:
        if upd.callback_query is not None:
            await bot.answer_callback_query(callback_query_id=upd.callback_query.id, text=text[:200],
                                            show_alert=True)
        elif upd.message is not None:
            await bot.send_message(chat_id=upd.message.chat.id, text=escape(text))
    except Exception:  # the apology itself failed (network, blocked): log, the polling loop goes on
        log.warning("could not tell the user about an error", exc_info=True)
    return True


_RESPONSE_TYPES: dict[Any, type] = {}


async def pin_response_type(make_request: Any, bot: Bot, method: Any) -> Any:
    """A session middleware that keeps each `Response[<result type>]` alive for the life of the process.

    aiogram parses every reply through `Response[method.__returning__]`, and pydantic caches parametrised
    models only weakly: a type nobody holds (Response[Message | bool] of editMessageReplyMarkup, at times
    Response[Message]) is rebuilt from its schema, 1-4 ms of CPU per API call. One strong reference stops that.
    """
    returning = method.__returning__
    if returning not in _RESPONSE_TYPES:
        from aiogram.methods import Response

        _RESPONSE_TYPES[returning] = Response[returning]
    return await make_request(bot, method)


def user_router() -> Router:
    """The parent of the user dialogs: only private chats get through (messages and button presses)."""
    parent = Router(name="user-dialogs")
    parent.message.filter(F.chat.type == "private")
    parent.edited_message.filter(F.chat.type == "private")
    parent.callback_query.filter(F.message.chat.type == "private")
    import handlers

    factory = getattr(handlers, "user_routers", None)
    if factory is None:
        log.warning("handlers.user_routers() is not there yet: the bot has no user dialogs")
        return parent
    for router in factory():
        parent.include_router(router)
    return parent


def wire(root: Root, *, bot_session: BaseSession | None = None) -> None:
    """Sets root.bot and root.dp."""
    from aiogram.client.default import DefaultBotProperties
    from aiogram.enums import ParseMode

    from bot import middlewares
    from bot.storage import make_storage

    token = root.settings.bot_token.get_secret_value() if root.settings.bot_token else "42:TEST"
    session = bot_session
    if session is None and root.settings.telegram_api_url:
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(root.settings.telegram_api_url))
    root.bot = Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    if pin_response_type not in root.bot.session.middleware:  # a session reused by a second root (tests)
        root.bot.session.middleware(pin_response_type)
    storage, isolation = make_storage(redis_url=root.settings.redis_url, session_factory=root.session_factory)
    # isolation serialises the updates of one chat+user, so a quick double tap cannot race the FSM state
    dp = Dispatcher(storage=storage, events_isolation=isolation, root=root)
    middlewares.install(root, dp)
    dp.errors.register(on_error)
    parent = user_router()
    root.extras["user_router"] = parent  # tests and late parts may include more private-chat routers here
    dp.include_router(parent)
    for extra in root.extras.get("routers", []):  # other parts (staff group chats) add their routers here
        dp.include_router(extra)
    from bot.inline_filters import inline_pure_filters

    inline_pure_filters(dp)  # routers included later (tests) still work, their pure filters just use a thread
    root.dp = dp

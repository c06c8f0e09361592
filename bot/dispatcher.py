"""Builds the Bot and the Dispatcher: session, storage, middlewares, routers and the error handler."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ErrorEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import Conflict, ContractRequired, DomainError, Forbidden, IdentityTaken, NotFound, ValidationFailed
from core.settings import Settings
from core.uow import UowFactory

if TYPE_CHECKING:
    from aiogram.client.session.base import BaseSession
    from aiogram.utils.i18n import I18n

    from bot.delivery.limiter import RateLimiter
    from bot.middlewares.throttle import ThrottlingMiddleware
    from bot.middlewares.user_cache import UserCache
    from core.mail.port import Mailer
    from handlers.menu import OutagesProvider
    from kb.service import KnowledgeBase

log = logging.getLogger(__name__)

GENERIC_ERROR = "Что-то пошло не так, попробуйте ещё раз"


def _tr(data: dict[str, Any], text: str) -> str:
    i18n = data.get("i18n")
    return i18n.gettext(text, locale=data.get("locale")) if i18n is not None else text


def user_error_text(exc: BaseException, data: dict[str, Any]) -> str | None:
    """A short text for the user; None for an exception that is not the user's business (and gets logged)."""
    if isinstance(exc, NotFound):
        return _tr(data, "Не найдено")
    if isinstance(exc, IdentityTaken):  # a dialog that does not ask again itself still names the field
        return "\n".join([_tr(data, "Проверьте данные:"), *(f"• {t}" for t in exc.fields.values())])
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


async def on_error(event: ErrorEvent, bot: Bot, error_sink: list[BaseException] | None = None, **data: Any) -> bool:
    """Maps domain errors to short texts and anything else to a generic apology; never re-raises."""
    exc = event.exception
    if isinstance(exc, TelegramBadRequest) and "message is not modified" in exc.message:
        return True  # an edit in place with the same content: nothing to tell anyone
    text = user_error_text(exc, data)
    if text is None:
        log.error("update %s failed", event.update.update_id, exc_info=exc)
        if error_sink is not None:  # the test harness re-raises what it collects here
            error_sink.append(exc)
        text = _tr(data, GENERIC_ERROR)
    from bot.telegram import escape

    upd = event.update
    pending = data.get("callback_answer")
    try:
        if upd.callback_query is not None and pending is not None and pending.answered:
            # Telegram takes one answer per button press: the apology goes as a message
            await bot.send_message(chat_id=pending.chat_id, text=escape(text))
        elif upd.callback_query is not None:
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

        # the result type is only known at run time: a dynamic parametrisation, which mypy cannot check
        _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]
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


@dataclass(frozen=True)
class BotParts:
    """What build() made; the composition root keeps the parts tests and other parts reach for."""

    bot: Bot
    dp: Dispatcher
    user_router: Router  # tests and late parts may include more private-chat routers here
    i18n: I18n
    throttle: ThrottlingMiddleware
    user_cache: UserCache


def build(*, settings: Settings, session_factory: async_sessionmaker[AsyncSession], uow: UowFactory, tz: ZoneInfo,
          kb: KnowledgeBase | None, outages: OutagesProvider | None = None, routers: list[Router] | None = None,
          private_routers: list[Router] | None = None, bot_session: BaseSession | None = None,
          mailer: Mailer | None = None, reply_limiter: RateLimiter | None = None) -> BotParts:
    """The Bot and the Dispatcher; the named services become the handlers' workflow data (`reply_limiter`:
    the shared Telegram limits the dialog replies keep to, with REDIS_URL)."""
    from aiogram.client.default import DefaultBotProperties
    from aiogram.enums import ParseMode

    from bot import middlewares
    from bot.storage import make_storage

    token = settings.bot_token.get_secret_value() if settings.bot_token else "42:TEST"
    session = bot_session
    if session is None and settings.telegram_api_url:
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    bot = Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    from bot.middlewares.callback_answer import answer_once
    from bot.middlewares.replies import RetryAfter

    session_mws = bot.session.middleware
    for old in [m for m in session_mws if isinstance(m, RetryAfter)]:  # a session reused by a second root (tests)
        session_mws._middlewares.remove(old)
    # outermost first: a waited-out 429 is retried below the one-answer guard, so it is not a second answer
    for mw in (pin_response_type, answer_once, RetryAfter(limiter=reply_limiter, pace=settings.replies_share_rate)):
        if mw not in session_mws:
            session_mws(mw)
    # webhook mode: any number of web instances take this bot's updates, so the SQL storage caches nothing
    storage, isolation = make_storage(redis_url=settings.redis_url, session_factory=session_factory,
                                      shared=settings.webhook_url is not None,
                                      lock_seconds=settings.webhook_lease_seconds)
    # isolation serialises the updates of one chat+user, so a quick double tap cannot race the FSM state;
    # the keyword arguments are the workflow data every handler may name (uow, tz, kb, settings, outages, mailer)
    if mailer is None:
        from core.mail.adapters import LogMailer

        mailer = LogMailer()
    # a dialog lives in the forum topic it was started in (USER_IN_TOPIC; no thread outside forum topics, so
    # private chats and plain groups keep one dialog per person and chat): started from ticket A's card in its
    # topic, it no longer took the person's next message in ticket B's topic as its answer and relayed it to A
    from aiogram.fsm.strategy import FSMStrategy

    dp = Dispatcher(storage=storage, events_isolation=isolation, fsm_strategy=FSMStrategy.USER_IN_TOPIC, uow=uow,
                    tz=tz, kb=kb, settings=settings, outages=outages, mailer=mailer, error_sink=None)
    installed = middlewares.install(dp, session_factory=session_factory, shared_state=bool(settings.redis_url),
                                    dedup=settings.webhook_url is None)
    dp.errors.register(on_error)
    for early in private_routers or []:  # private-chat routers that go before the user dialogs (staff commands)
        dp.include_router(early)
    parent = user_router()
    dp.include_router(parent)
    for extra in routers or []:  # other parts (staff group chats) add their routers here
        dp.include_router(extra)
    from bot.inline_filters import inline_pure_filters

    inline_pure_filters(dp)  # routers included later (tests) still work, their pure filters just use a thread
    return BotParts(bot=bot, dp=dp, user_router=parent, i18n=installed.i18n, throttle=installed.throttle,
                    user_cache=installed.user_cache)

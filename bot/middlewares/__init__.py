"""Outer middlewares on dp.update, in this order: reply scope, callback answer, dedup, user, i18n, throttle.

The services handlers use (unit of work, time zone, knowledge base, settings) are not put in by a middleware:
they are the Dispatcher's workflow data, given by the composition root.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.middlewares.callback_answer import CallbackAnswerMiddleware
from bot.middlewares.dedup import DedupMiddleware
from bot.middlewares.i18n import DataI18nMiddleware, make_i18n
from bot.middlewares.replies import ReplyScopeMiddleware
from bot.middlewares.throttle import ThrottlingMiddleware
from bot.middlewares.user import UserMiddleware
from bot.middlewares.user_cache import UserCache

if TYPE_CHECKING:
    from aiogram import Dispatcher
    from aiogram.utils.i18n import I18n
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["CallbackAnswerMiddleware", "DataI18nMiddleware", "DedupMiddleware", "Installed", "ReplyScopeMiddleware",
           "ThrottlingMiddleware", "UserMiddleware", "install", "make_i18n"]


@dataclass(frozen=True)
class Installed:
    """The middleware instances the root keeps (tests set the throttle clock; texts use the catalogs)."""

    i18n: I18n
    throttle: ThrottlingMiddleware
    user_cache: UserCache


def install(dp: Dispatcher, *, session_factory: async_sessionmaker[AsyncSession], shared_state: bool,
            dedup: bool = True) -> Installed:
    """Registers the middlewares; `shared_state`: several processes share the FSM (REDIS_URL); `dedup`: polling."""
    i18n = make_i18n()
    throttle = ThrottlingMiddleware()
    users = UserMiddleware(session_factory)
    dp.update.outer_middleware(ReplyScopeMiddleware())
    dp.update.outer_middleware(CallbackAnswerMiddleware())
    # one process owns the updates unless REDIS_URL shares the state between several: see dedup.py
    # in webhook mode the inbox's primary key is the dedup (bot.webhook_inbox): a retried update must get through
    if dedup:
        dp.update.outer_middleware(DedupMiddleware(session_factory, deferred=not shared_state))
    dp.update.outer_middleware(users)
    dp.update.outer_middleware(DataI18nMiddleware(i18n))
    dp.update.outer_middleware(throttle)
    return Installed(i18n=i18n, throttle=throttle, user_cache=users.cache)

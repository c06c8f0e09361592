"""Outer middlewares on dp.update, in this order: dedup, context, user, i18n, throttling."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.middlewares.context import ContextMiddleware
from bot.middlewares.dedup import DedupMiddleware
from bot.middlewares.i18n import DataI18nMiddleware, make_i18n
from bot.middlewares.throttle import ThrottlingMiddleware
from bot.middlewares.user import UserMiddleware

if TYPE_CHECKING:
    from aiogram import Dispatcher

    from bot.root import Root

__all__ = ["ContextMiddleware", "DataI18nMiddleware", "DedupMiddleware", "ThrottlingMiddleware", "UserMiddleware",
           "install", "make_i18n"]


def install(root: Root, dp: Dispatcher) -> None:
    """Registers the middlewares; the throttle and i18n instances are kept in root.extras for tests and texts."""
    i18n = make_i18n()
    throttle = ThrottlingMiddleware()
    root.extras["i18n"] = i18n
    root.extras["throttle"] = throttle
    users = UserMiddleware(root.session_factory)
    root.extras["user_cache"] = users.cache
    # one process owns the updates unless REDIS_URL shares the state between several: see dedup.py
    dp.update.outer_middleware(DedupMiddleware(root.session_factory, deferred=not root.settings.redis_url))
    dp.update.outer_middleware(ContextMiddleware(root))
    dp.update.outer_middleware(users)
    dp.update.outer_middleware(DataI18nMiddleware(i18n))
    dp.update.outer_middleware(throttle)

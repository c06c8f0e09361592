"""Loads the core User of the Telegram sender (creating it only when missing) and picks the locale.

The user comes from a short-lived in-process cache when it can (bot/middlewares/user_cache.py says why
that is safe), so most updates make no user query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares.user_cache import UserCache
from core.catalog.models import User
from core.db import SIDE_WRITE
from core.staffdesk import cards

SUPPORTED = ("ru", "en")


def pick_locale(user: User | None, tg_user: TgUser | None) -> str:
    """The profile's locale if set, else English for an English Telegram client, else Russian."""
    if user is not None and user.locale in SUPPORTED:
        return user.locale
    code = (tg_user.language_code or "") if tg_user else ""
    return "en" if code.lower().startswith("en") else "ru"


async def load_or_create(session_factory: async_sessionmaker[AsyncSession], tg_user: TgUser) -> tuple[User, bool]:
    """One read per update; a write only for a first-time sender. The flag: the user was unreachable (a notice to
    them was refused with 403 while they had blocked the bot) and is reachable again now."""
    async with session_factory() as s:
        s.info[SIDE_WRITE] = True  # bookkeeping: it must not carry the update id (see bot/middlewares/dedup.py)
        user = await s.scalar(select(User).where(User.tg_id == tg_user.id))
        if user is not None:
            changed = False
            came_back = user.unreachable
            if came_back:  # they write to us again, so they unblocked the bot: deliveries may resume
                user.unreachable, changed = False, True
                await cards.mark_requester_dirty(s, user_ids={user.id})  # the cards drop their warning
            if user.locale is None:  # pushes are rendered outside any update: they need the language stored
                user.locale, changed = pick_locale(None, tg_user), True
            if changed:
                await s.commit()
            return user, came_back
        # organisation=None marks the relationship as loaded: the user is cached and read outside any session
        # the Telegram client's language until the profile picks one: status pushes use the stored locale
        user = User(tg_id=tg_user.id, full_name=tg_user.full_name or "", organisation=None,
                    locale=pick_locale(None, tg_user))
        s.add(user)
        try:
            await s.commit()
            return user, False
        except IntegrityError:
            # a concurrent update of the same new sender created it first
            await s.rollback()
            found = await s.scalar(select(User).where(User.tg_id == tg_user.id))
            if found is None:
                raise
            return found, False


class UserMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], cache: UserCache | None = None) -> None:
        self._factory = session_factory
        self.cache = cache if cache is not None else UserCache()

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        user = None
        if tg_user is not None and not tg_user.is_bot:
            user = self.cache.get(tg_user.id)
            if user is None:
                generation = self.cache.generation
                user, came_back = await load_or_create(self._factory, tg_user)
                self.cache.put(user, generation=generation)
                if came_back:
                    data["missed_notices"] = True  # handlers/comeback.py: what they missed is told once
        data["user"] = user
        data["locale"] = pick_locale(user, tg_user)
        return await handler(event, data)

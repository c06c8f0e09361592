"""Puts the composition root, the unit-of-work factory and the time zone into handler data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

if TYPE_CHECKING:
    from bot.root import Root


class ContextMiddleware(BaseMiddleware):
    def __init__(self, root: Root) -> None:
        self._root = root

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        data["root"] = self._root
        data["uow_factory"] = self._root.uow
        data["tz"] = self._root.tz
        return await handler(event, data)

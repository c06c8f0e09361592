"""One read and at most two writes of FSM storage per update, however often a dialog touches its state.

The SQL storage makes every get/set a round trip with its own transaction; a dialog step reads and updates
its data several times. This inner middleware hands handlers a caching FSMContext and writes back once,
after the handler succeeded (a failing handler leaves the stored state as it was).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StateType
from aiogram.types import TelegramObject

_UNREAD: Any = object()
_CURRENT: ContextVar[CachedContext | None] = ContextVar("cached_fsm_context", default=None)


async def flush_state_first(make_request: Any, bot: Any, method: Any) -> Any:
    """Bot session middleware: the dialog state is written before a reply leaves.

    Killed between a reply and the write, the bot used to come back one step behind what the user saw
    (an answer stored in the wrong field); written first, the worst case is a reply that never left.
    """
    ctx = _CURRENT.get()
    if ctx is not None and not method.__api_method__.startswith("get"):
        await ctx.flush()
    return await make_request(bot, method)


class CachedContext(FSMContext):
    def __init__(self, inner: FSMContext, raw_state: str | None) -> None:
        super().__init__(storage=inner.storage, key=inner.key)
        self._state, self._data = raw_state, _UNREAD
        self._state_dirty = self._data_dirty = False

    async def set_state(self, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        if value != self._state:
            self._state, self._state_dirty = value, True

    async def get_state(self) -> str | None:
        return self._state

    async def get_data(self) -> dict[str, Any]:
        if self._data is _UNREAD:
            self._data = await self.storage.get_data(key=self.key)
        return dict(self._data)

    async def set_data(self, data: Mapping[str, Any]) -> None:
        new = dict(data)
        if self._data is _UNREAD or new != self._data:
            self._data, self._data_dirty = new, True

    async def get_value(self, key: str, default: Any | None = None) -> Any | None:
        return (await self.get_data()).get(key, default)

    async def update_data(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        merged = {**(await self.get_data()), **(data or {}), **kwargs}
        await self.set_data(merged)
        return dict(merged)

    async def clear(self) -> None:
        await self.set_state(None)
        await self.set_data({})

    async def flush(self) -> None:
        """Writes what changed: data first, so a new state never points at stale data."""
        both = getattr(self.storage, "set_state_and_data", None)
        if self._data_dirty and self._state_dirty and both is not None:
            await both(key=self.key, state=self._state, data=self._data)  # the SQL storage: one transaction
        else:
            if self._data_dirty:
                await self.storage.set_data(key=self.key, data=self._data)
            if self._state_dirty:
                await self.storage.set_state(key=self.key, state=self._state)
        self._state_dirty = self._data_dirty = False


async def write_now(state: FSMContext) -> None:
    """Writes the dialog state at once (what must survive a crash in the middle of this step)."""
    if isinstance(state, CachedContext):
        await state.flush()


class CachedStateMiddleware(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        inner = data.get("state")
        if not isinstance(inner, FSMContext) or isinstance(inner, CachedContext):
            return await handler(event, data)
        cached = CachedContext(inner, data.get("raw_state"))
        data["state"] = cached
        bot = data.get("bot")
        if bot is not None and flush_state_first not in bot.session.middleware:
            bot.session.middleware(flush_state_first)
        token = _CURRENT.set(cached)
        try:
            result = await handler(event, data)
        finally:
            _CURRENT.reset(token)
        await cached.flush()
        return result


def install(router: Router) -> None:
    """Adds the middleware to the router's message, edited message and button handlers (once)."""
    if getattr(router, "_fsm_cache", False):
        return
    router.message.middleware(CachedStateMiddleware())
    router.edited_message.middleware(CachedStateMiddleware())
    router.callback_query.middleware(CachedStateMiddleware())
    router._fsm_cache = True  # type: ignore[attr-defined]

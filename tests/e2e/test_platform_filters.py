"""Magic and state filters run on the event loop (no worker thread) and still select the same handlers."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from app.root import Root
from bot.inline_filters import inline_pure_filters
from tests.e2e.harness import BotHarness


class Pick(StatesGroup):
    one = State()
    two = State()


def _sync_pure_filters(router: Router) -> list[Any]:
    left = []
    for r in router.chain_tail:
        for observer in r.observers.values():
            for holder in (observer._handler, *observer.handlers):
                left += [fo.callback for fo in holder.filters or ()
                         if not fo.awaitable and (fo.magic is not None or isinstance(fo.callback, State))]
    return left


def test_wired_dispatcher_has_no_threaded_magic_or_state_filter(bot_root: Root) -> None:
    assert _sync_pure_filters(bot_root.dp) == []


async def test_inlined_filters_select_the_same_handlers(harness: BotHarness, monkeypatch: Any) -> None:
    seen: list[str] = []
    r = Router(name="test-inline")

    @r.message(Pick.one, F.text == "go")
    async def one(message: Message, state: FSMContext) -> None:
        seen.append("one")
        await state.set_state(Pick.two)

    @r.message(Pick.two, F.text.startswith("go"))
    async def group(message: Message) -> None:
        seen.append("group")

    @r.message(F.text == "start")
    async def start(message: Message, state: FSMContext) -> None:
        seen.append("start")
        await state.set_state(Pick.one)

    assert inline_pure_filters(r) == 5
    assert inline_pure_filters(r) == 0  # idempotent: a second root takes the same routers over

    def no_thread(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a pure filter went to a worker thread")

    monkeypatch.setattr(asyncio, "to_thread", no_thread)
    harness.add_router(r)
    uid = 5001
    await harness.send_text(uid, "start")
    await harness.send_text(uid, "go")  # Pick.one: the first handler
    await harness.send_text(uid, "go on")  # Pick.two: only the second handler matches
    await harness.send_text(uid, "start")
    assert seen == ["start", "one", "group", "start"]

"""Pure filters run on the event loop instead of a worker thread.

aiogram 3 awaits a filter only when it is a coroutine function or a `Filter`; any other callable runs through
`asyncio.to_thread`. That includes the `F.text`/`F.chat.type == ...` magic filters and a bare state
(`@router.message(ReportSG.field, F.text)`), so a dialog step paid ~8 thread hops just to pick its handler
(bench/bot.py: ~0.1 ms of CPU and a GIL handover each). Those filters are pure attribute reads and
comparisons that never block, so running them in place changes no result. Other sync callables (which
could block) keep aiogram's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.fsm.state import State
from magic_filter import MagicFilter


def _is_pure(fo: FilterObject) -> bool:
    return (fo.magic is not None and isinstance(fo.magic, MagicFilter)) or isinstance(fo.callback, State)


def _in_place(fn: Callable[..., Any]) -> Callable[..., Any]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    run.__wrapped_filter__ = fn  # type: ignore[attr-defined]
    return run


def inline_pure_filters(router: Router) -> int:
    """Makes every magic/state filter under `router` (itself and sub-routers) run in place; returns how many."""
    count = 0
    for r in router.chain_tail:
        for observer in r.observers.values():
            for holder in (observer._handler, *observer.handlers):
                for fo in holder.filters or ():
                    if not fo.awaitable and _is_pure(fo):
                        # params/varkw stay those of the original callable, so it gets the same arguments
                        fo.callback, fo.awaitable = _in_place(fo.callback), True
                        count += 1
    return count

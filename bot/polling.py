"""The bot's long-running part: wait for the Bot API, set the command menu, poll; it never takes the process down.

`support-bot run` serves the admin API beside it: an unreachable Bot API at start (getMe) or a polling loop
that dies is retried with capped backoff, reported in the log about once a minute, not at every try.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramUnauthorizedError

from bot.delivery.limiter import Backoff, Sleep

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiogram.utils.i18n import I18n

log = logging.getLogger(__name__)

REPORT_EVERY = 60.0


class _Reporter:
    """Logs the first failure, then at most one line per `every` seconds with the count in between."""

    def __init__(self, clock: Callable[[], float], every: float) -> None:
        self.clock, self.every = clock, every
        self.failures = 0
        self._last: float | None = None

    def failed(self, what: str, exc: BaseException, delay: float) -> None:
        self.failures += 1
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return
        self._last = now
        hint = " (401: check BOT_TOKEN)" if isinstance(exc, TelegramUnauthorizedError) else ""
        log.warning("%s failed %s time(s) (%s: %s)%s: retrying in %.0f s; the admin API keeps serving",
                    what, self.failures, type(exc).__name__, exc, hint, delay)

    def recovered(self, what: str) -> None:
        if self.failures:
            log.info("%s works again after %s failed attempt(s)", what, self.failures)
        self.failures, self._last = 0, None


async def wait_for_bot_api(bot: Bot, *, sleep: Sleep = asyncio.sleep, clock: Callable[[], float] = time.monotonic,
                           cap: float = 60.0, report_every: float = REPORT_EVERY) -> int:
    """Calls getMe until it answers (capped backoff); returns how many tries failed."""
    backoff, report = Backoff(clock, cap=cap), _Reporter(clock, report_every)
    while True:
        try:
            await bot.me()
        except Exception as exc:  # network, 5xx, 401: none of them may end the process
            delay = backoff.fail()
            report.failed("Bot API (getMe)", exc, delay)
            await sleep(delay)
            continue
        failures = report.failures
        report.recovered("Bot API (getMe)")
        return failures


async def run_bot(bot: Bot, dp: Dispatcher, *, i18n: I18n | None = None, sleep: Sleep = asyncio.sleep,
                  clock: Callable[[], float] = time.monotonic,
                  poll: Callable[[], Awaitable[Any]] | None = None, cap: float = 60.0) -> None:
    """Waits for the Bot API, re-sets the menu if startup could not, then polls; a crashed polling restarts."""
    if poll is None:
        def poll() -> Awaitable[Any]:
            # the session belongs to the root (closed at shutdown): a restarted polling must find it open
            return dp.start_polling(bot, handle_signals=False, close_bot_session=False)
    backoff, report = Backoff(clock, cap=cap), _Reporter(clock, REPORT_EVERY)
    while True:
        if await wait_for_bot_api(bot, sleep=sleep, clock=clock, cap=cap):
            from bot.commands import set_commands

            await set_commands(bot, i18n)  # startup's attempt met the outage
        try:
            await poll()
            return  # stopped on purpose
        except Exception as exc:
            delay = backoff.fail()
            report.failed("Bot polling", exc, delay)
            await sleep(delay)

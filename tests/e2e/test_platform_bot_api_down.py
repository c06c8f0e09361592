"""`support-bot run` with the Bot API unreachable: the admin API serves, the bot waits and says so once a minute."""

from __future__ import annotations

import asyncio
import logging
import socket

import httpx
import pytest

from app import cli
from app.root import Root
from bot.polling import run_bot, wait_for_bot_api
from core.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.e2e.harness import BotHarness, network_error

TOKEN = "7312345678:AAHk3JqA9-ZxWv2pL0m_sQeR4tYuI8oPaSd"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_unreachable_bot_api_at_start_is_waited_for_and_reported_once_a_minute(
        harness: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    harness.bot._me = None  # as in a fresh process: getMe not answered yet
    harness.session.fail_next("getMe", network_error("Cannot connect to host api.telegram.org:443"), times=30)
    clock, polled = Clock(), []

    async def poll() -> None:
        polled.append(clock())

    with caplog.at_level(logging.INFO, logger="bot.polling"):
        await run_bot(harness.bot, harness.dp, i18n=harness.root.i18n, sleep=clock.sleep, clock=clock, poll=poll)
    getme = [c for c in harness.sent if c.name == "getMe"]
    assert len(getme) == 31 and getme[-1].error is None and len(polled) == 1
    # 30 failures over ~25 minutes (1, 2, 4 … 60 s): a line about once a minute, not one per try
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert 15 <= len(warnings) <= clock.now / 60 + 2 < 30
    assert "the admin API keeps serving" in warnings[0].getMessage()
    assert any("works again after 30" in r.getMessage() for r in caplog.records)
    menus = [c for c in harness.sent if c.name == "setMyCommands"]
    assert len(menus) == 12  # the startup's six (default and group chats, each ×3), and again once it answered


async def test_crashed_polling_is_restarted(harness: BotHarness) -> None:
    clock, runs = Clock(), []

    async def poll() -> None:
        runs.append(clock())
        if len(runs) < 3:
            raise RuntimeError("polling died")

    await run_bot(harness.bot, harness.dp, i18n=harness.root.i18n, sleep=clock.sleep, clock=clock, poll=poll)
    assert len(runs) == 3 and runs[2] > runs[1] > runs[0]


async def test_wait_returns_at_once_when_the_api_answers(harness: BotHarness) -> None:
    assert await wait_for_bot_api(harness.bot) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_run_serves_the_admin_api_while_the_bot_api_is_down(settings: Settings, root: Root,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    port, dead = _free_port(), _free_port()  # nothing listens on `dead`
    run_settings = Settings(database_url=settings.database_url, admin_api_token=ADMIN_TOKEN, bot_token=TOKEN,
                            telegram_api_url=f"http://127.0.0.1:{dead}", admin_api_port=port,
                            kb_seed_sample=False, _env_file=None)
    with caplog.at_level(logging.INFO):
        task = asyncio.create_task(cli._serve(run_settings, with_bot=True))
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
                for _ in range(100):
                    await asyncio.sleep(0.1)
                    try:
                        r = await c.get("/healthz")
                        break
                    except httpx.TransportError:
                        assert not task.done(), task.exception() if task.done() else None
                else:
                    raise AssertionError("the admin API never answered")
                assert r.status_code == 200
                await asyncio.sleep(1.5)  # the bot keeps retrying, the process keeps running
                assert not task.done()
                r = await c.get("/api/v1/services", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
                assert r.status_code == 200
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert "Bot API (getMe) failed" in caplog.text

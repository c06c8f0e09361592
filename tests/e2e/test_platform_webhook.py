"""Webhook mode: the secret token is checked, an update is stored once and fed to the real Dispatcher from the table."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from aiogram import F, Router
from aiogram.types import Message
from pydantic import SecretStr
from sqlalchemy import select, update

from app.root import Root, build_root
from app.webhook import SECRET_HEADER, serve_webhook
from bot.models import WebhookUpdate
from bot.webhook_inbox import BLOCK_ATTEMPTS, InboxFeeder, chat_of
from core.db import utcnow
from core.settings import Settings
from tests.conftest import _empty
from tests.e2e.harness import RecordingSession, UpdateFactory, bad_request

SECRET = "s3cret_Webhook-token-0123"
PATH = "/telegram/webhook"


class Clock:
    """Real time moved forward by the test (the route stores with the real time)."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.shift

    def past(self, moment: datetime) -> None:
        self.shift = moment - utcnow() + timedelta(seconds=1)


@dataclass
class Web:
    root: Root
    session: RecordingSession
    feeder: InboxFeeder
    client: httpx.AsyncClient
    clock: Clock
    updates: UpdateFactory

    async def post(self, payload: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return await self.client.post(PATH, json=payload, headers=headers)

    def text_update(self, uid: int, text: str) -> dict[str, Any]:
        return self.updates.message(uid, text).model_dump(mode="json", exclude_none=True, by_alias=True)

    async def rows(self) -> list[WebhookUpdate]:
        async with self.root.session_factory() as s:
            return list(await s.scalars(select(WebhookUpdate).order_by(WebhookUpdate.update_id)))

    def texts(self, chat_id: int) -> list[str]:
        return [c.text or "" for c in self.session.calls if c.name == "sendMessage" and c.chat_id == chat_id]


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[Web]:
    hooked = settings.model_copy(update={"webhook_url": "https://desk.example.ru/telegram/webhook",
                                         "webhook_secret": SecretStr(SECRET)})
    session = RecordingSession()
    root = build_root(hooked, bot_session=session)
    await root.startup()
    feeder = serve_webhook(root)
    clock = Clock()
    feeder.clock = clock
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=root.api), base_url="http://test") as client:
        try:
            yield Web(root, session, feeder, client, clock, UpdateFactory(start_update_id=500))
        finally:
            await _empty(root)
            await root.shutdown()


def flaky_router(fail_times: list[int]) -> Router:
    r = Router(name="test-webhook-flaky")

    @r.message(F.text == "flaky")
    async def flaky(message: Message) -> None:
        if fail_times[0] > 0:
            fail_times[0] -= 1
            raise RuntimeError("database went away mid-update")
        await message.answer("handled at last")

    return r


def first_router(root: Root, router: Router) -> None:
    assert root.dp is not None
    root.dp.include_router(router)
    root.dp.sub_routers.insert(0, root.dp.sub_routers.pop())  # before the dialogs' catch-all


async def test_wrong_or_missing_secret_is_401_logged_and_nothing_stored(web: Web,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="app.webhook")
    missing = await web.post(web.text_update(42, "/start"), secret=None)
    wrong = await web.post(web.text_update(42, "/start"), secret="guessed-token-123")
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert wrong.json()["error"]["code"] == "unauthorized"
    assert await web.rows() == []
    lines = [r.getMessage() for r in caplog.records if r.name == "app.webhook"]
    assert len(lines) == 2 and "401" in lines[0] and "401" in lines[1]
    assert "guessed-token-123" not in caplog.text and SECRET not in caplog.text
    assert await web.feeder.run_once() == 0 and web.texts(42) == []


async def test_right_secret_stores_once_and_the_dispatcher_replies(web: Web) -> None:
    start = web.text_update(42, "/start")
    first = await web.post(start)
    again = await web.post(start)  # Telegram's redelivery of the same update_id
    assert (first.status_code, again.status_code) == (200, 200)
    assert web.texts(42) == []  # answered before handling
    assert [r.update_id for r in await web.rows()] == [start["update_id"]]
    assert web.feeder.wake.is_set()
    await web.post(web.text_update(42, "/subscriptions"))
    assert await web.feeder.run_once() == 1  # one chat: /subscriptions waits for /start
    greeted = web.texts(42)
    assert greeted and greeted[0].startswith("Здравствуйте") and not any("Уведомления" in t for t in greeted)
    assert await web.feeder.run_once() == 1
    assert len(web.texts(42)) == len(greeted) + 1 and "Уведомления по сервисам" in web.texts(42)[-1]
    assert sum(t.startswith("Здравствуйте") for t in web.texts(42)) == 1  # the redelivery was not handled
    assert all(r.done_at is not None and r.attempts == 0 for r in await web.rows())
    assert await web.feeder.run_once() == 0


async def test_not_an_update_is_400(web: Web) -> None:
    res = await web.client.post(PATH, content=b"{not json", headers={SECRET_HEADER: SECRET})
    assert res.status_code == 400 and res.json()["error"]["code"] == "validation_failed"
    assert await web.rows() == []


async def test_handler_failure_is_retried_later_from_the_table(web: Web) -> None:
    fails = [2]
    first_router(web.root, flaky_router(fails))
    await web.post(web.text_update(7, "flaky"))
    assert await web.feeder.run_once() == 1
    [row] = await web.rows()
    assert row.done_at is None and row.attempts == 1 and "database went away" in (row.last_error or "")
    assert row.next_try_at > web.clock()
    assert await web.feeder.run_once() == 0  # not before its backoff
    web.clock.past(row.next_try_at)
    assert await web.feeder.run_once() == 1
    [row] = await web.rows()
    assert row.attempts == 2 and row.done_at is None
    web.clock.past(row.next_try_at)
    assert await web.feeder.run_once() == 1
    [row] = await web.rows()
    assert row.done_at is not None and row.attempts == 2
    assert web.texts(7)[-1] == "handled at last"


async def test_a_failing_update_holds_back_its_chat_only(web: Web) -> None:
    first_router(web.root, flaky_router([BLOCK_ATTEMPTS + 5]))
    web.session.relax("chat_rate")  # each failed attempt apologises to chat 7 within the same real second
    assert web.root.throttle is not None
    slow = itertools.count(0.0, 60.0)  # the retries come an hour apart, not in the same real second
    web.root.throttle.clock = lambda: float(next(slow))
    await web.post(web.text_update(7, "flaky"))
    await web.post(web.text_update(7, "/subscriptions"))
    await web.post(web.text_update(8, "/subscriptions"))
    await web.feeder.run_once()
    assert web.texts(8) and not [t for t in web.texts(7) if "Уведомления" in t]
    for _ in range(BLOCK_ATTEMPTS - 1):
        web.clock.shift += timedelta(hours=1)
        await web.feeder.run_once()
    # after BLOCK_ATTEMPTS failures the chat's later updates go on; the failing one stays and is retried
    web.clock.shift += timedelta(hours=1)
    await web.feeder.run_once()
    assert any("Уведомления" in t for t in web.texts(7))
    flaky = (await web.rows())[0]
    assert flaky.done_at is None and flaky.attempts == BLOCK_ATTEMPTS + 1


def test_chat_of_a_button_press_is_its_message_chat() -> None:
    upd = UpdateFactory().callback(9, "x:1", chat_type="supergroup", chat_id=-100123)
    assert chat_of(upd.model_dump(mode="json", exclude_none=True, by_alias=True)) == -100123
    assert chat_of({"update_id": 1, "inline_query": {"id": "1", "from": {"id": 5}, "query": ""}}) == 5


async def test_a_reply_telegram_refuses_is_not_retried_but_kept(web: Web) -> None:
    web.session.fail_next("sendMessage", bad_request("Bad Request: chat not found"), times=2)  # reply and apology
    await web.post(web.text_update(9, "/subscriptions"))
    assert await web.feeder.run_once() == 1
    [row] = await web.rows()
    assert row.done_at is not None and row.attempts == 1 and "chat not found" in (row.last_error or "")
    web.clock.shift += timedelta(hours=1)
    assert await web.feeder.run_once() == 0


def slow_router(started: asyncio.Event, release: asyncio.Event) -> Router:
    r = Router(name="test-webhook-slow")

    @r.message(F.text == "slow")
    async def slow(message: Message) -> None:
        started.set()
        await release.wait()
        await message.answer("slow one done")

    return r


async def test_a_slow_update_keeps_its_lease_and_a_dead_instances_lease_runs_out(web: Web) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    first_router(web.root, slow_router(started, release))
    web.feeder.lease = timedelta(seconds=0.6)  # renewed every 0.2 s while handled
    other = InboxFeeder(session_factory=web.root.session_factory, bot=web.feeder.bot, dp=web.feeder.dp,
                        lease=timedelta(seconds=0.6))  # a second web instance on the same table
    await web.post(web.text_update(11, "slow"))
    handling = asyncio.create_task(web.feeder.run_once())
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.sleep(1.5)  # longer than the lease: only the renewal keeps the other instance off it
    # bounded: without the renewal the other instance takes the update and hangs in the slow handler
    assert await asyncio.wait_for(other.run_once(), 5) == 0
    release.set()
    assert await asyncio.wait_for(handling, 10) == 1
    assert web.texts(11) == ["slow one done"]
    # an instance killed mid-update renews nothing: once its lease ran out, another instance takes the update
    await web.post(web.text_update(12, "/subscriptions"))
    async with web.root.session_factory() as s:
        await s.execute(update(WebhookUpdate).where(WebhookUpdate.chat_id == 12)
                        .values(claimed_until=utcnow() + timedelta(seconds=0.6)))
        await s.commit()
    assert await other.run_once() == 0  # still leased by the dead one
    await asyncio.sleep(0.8)
    assert await other.run_once() == 1 and "Уведомления по сервисам" in web.texts(12)[-1]

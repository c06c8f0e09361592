"""The delivery worker when Telegram is down or odd: nothing dropped, one bad chat holds up nobody, crashes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from aiogram.exceptions import TelegramConflictError, TelegramMigrateToChat, TelegramUnauthorizedError
from aiogram.methods import TelegramMethod
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.root import build_root
from bot.delivery import Target
from core.db import utcnow
from core.outbox.models import Delivery, OutboxEvent
from tests import factories as f
from tests.e2e.harness import BotHarness, Call, RecordingSession

Script = Callable[[Call], "BaseException | None"]


class ScriptedSession(RecordingSession):
    """A recording session whose sendMessage answers come from a script (time- or chat-dependent failures)."""

    def __init__(self) -> None:
        super().__init__()
        self.script: Script | None = None
        self.hang: asyncio.Event | None = None  # set: sends are recorded (Telegram has them), then never answered

    async def make_request(self, bot: Any, method: TelegramMethod[Any], timeout: int | None = None) -> Any:  # noqa: ASYNC109
        if method.__api_method__ == "sendMessage" and self.script is not None:
            call = Call(method=method, name="sendMessage", params=dict(method))
            if (exc := self.script(call)) is not None:
                call.error = exc
                self.calls.append(call)
                raise exc
        result = await super().make_request(bot, method, timeout)
        if self.hang is not None and method.__api_method__ == "sendMessage":
            await self.hang.wait()
        return result


@pytest.fixture
def recording_session() -> ScriptedSession:
    return ScriptedSession()


async def _notices(h: BotHarness, n: int, *, first_tg: int = 9000) -> list[int]:
    """n «taken» notices to n requesters; returns their chat ids."""
    chats = []
    async with h.root.session_factory() as s:
        for i in range(n):
            u = await f.user(h.root, tg_id=first_tg + i, login=f"out{first_tg + i}")
            s.add(OutboxEvent(topic="ticket.take", ticket_id=i + 1, payload={
                "requester_id": u.id, "number": f"INC-{i:03d}", "ticket_id": i + 1, "actor_kind": "staff",
                "actor_id": 1}))
            chats.append(first_tg + i)
        await s.commit()
    return chats


async def _pending(h: BotHarness) -> int:
    async with h.root.session_factory() as s:
        return await s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None)))


async def _statuses(h: BotHarness) -> dict[int, str]:
    async with h.root.session_factory() as s:
        return {c: st for c, st in (await s.execute(select(Delivery.chat_id, Delivery.status))).all()}


async def _poll_for(h: BotHarness, seconds: int) -> None:
    """The scheduler's one-second poll, on the fake clock."""
    for _ in range(seconds):
        h.clock.advance(1.0)
        await h.deliver()


async def test_outage_of_200_seconds_delivers_every_notice_afterwards(harness: BotHarness) -> None:
    session: ScriptedSession = harness.session  # type: ignore[assignment]
    chats = await _notices(harness, 10)
    from tests.e2e.harness import network_error

    back_at = harness.clock() + 200
    session.script = lambda call: network_error("Cannot connect to host api.telegram.org:443")(call.method) \
        if harness.clock() < back_at else None
    while harness.clock() < back_at - 1:  # the scheduler polls every second (retries in place advance it too)
        await _poll_for(harness, 1)
    assert await _pending(harness) == 10 and set((await _statuses(harness)).values()) <= {"retry"}
    tries = len([c for c in session.calls if c.error is not None])
    assert tries < 60  # capped backoff, not a hammering at every poll
    await _poll_for(harness, 70)  # the backoff is capped at 60 s: one more try after the API is back
    assert await _pending(harness) == 0
    assert all(len(harness.texts(c)) == 1 for c in chats)
    assert set((await _statuses(harness)).values()) == {"sent"}


async def test_bad_token_pauses_the_worker_and_marks_no_notice_failed(harness: BotHarness,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    session: ScriptedSession = harness.session  # type: ignore[assignment]
    chats = await _notices(harness, 3)
    session.script = lambda call: TelegramUnauthorizedError(method=call.method, message="Unauthorized")
    with caplog.at_level(logging.ERROR):
        stats = await harness.deliver()
    assert stats.sent == stats.failed == stats.blocked == 0 and stats.deferred == 3
    assert "BOT_TOKEN" in caplog.text and "paused" in caplog.text
    assert len([c for c in session.calls if c.error is not None]) == 1  # the others were not even tried
    assert set((await _statuses(harness)).values()) <= {"retry"}
    session.script = None
    await _poll_for(harness, 100)
    assert await _pending(harness) == 3  # still paused
    await _poll_for(harness, 210)
    assert await _pending(harness) == 0 and all(len(harness.texts(c)) == 1 for c in chats)


async def test_one_bad_target_does_not_hold_up_the_others(harness: BotHarness) -> None:
    session: ScriptedSession = harness.session  # type: ignore[assignment]
    bad, *good = await _notices(harness, 5)
    session.script = lambda call: TelegramConflictError(method=call.method, message="Conflict: something odd") \
        if call.chat_id == bad else None
    stats = await harness.deliver()
    assert stats.sent == 4 and all(len(harness.texts(c)) == 1 for c in good)
    assert (await _statuses(harness))[bad] == "retry" and await _pending(harness) == 1
    session.script = None
    await _poll_for(harness, 3)  # the bad target alone backs off (1 s first)
    assert await _pending(harness) == 0 and len(harness.texts(bad)) == 1


async def test_group_migrated_to_a_supergroup_is_followed_and_its_new_id_kept(harness: BotHarness) -> None:
    session: ScriptedSession = harness.session  # type: ignore[assignment]
    store = {"staff_chat": -4001}

    async def rekey(_: AsyncSession, old: int, new: int) -> None:
        if store["staff_chat"] == old:
            store["staff_chat"] = new

    async def plan_group(_: AsyncSession, ev: OutboxEvent, __: Any) -> list[Target]:
        return [Target(chat_id=store["staff_chat"], text=f"event {ev.id}", rekey=rekey)]

    assert harness.root.delivery is not None
    harness.root.delivery.planners.append(plan_group)
    await _notices(harness, 1)
    session.script = lambda call: TelegramMigrateToChat(
        method=call.method, message="Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=-1001234) if call.chat_id == -4001 else None
    stats = await harness.deliver()
    assert stats.sent == 2 and await _pending(harness) == 0
    assert len(harness.texts(-1001234)) == 1 and store["staff_chat"] == -1001234
    assert (await _statuses(harness)).get(-1001234) == "sent"
    await _notices(harness, 1, first_tg=9500)
    await _poll_for(harness, 4)  # a group gets one message per 3 s
    assert len(harness.texts(-1001234)) == 2 and len([c for c in session.calls if c.chat_id == -4001]) == 1


async def test_kill_mid_delivery_repeats_only_the_messages_in_flight(harness: BotHarness) -> None:
    session: ScriptedSession = harness.session  # type: ignore[assignment]
    chats = await _notices(harness, 40)
    session.hang = asyncio.Event()
    sends = len(session.calls)

    def hang_after_eight(call: Call) -> None:
        if len(session.calls) - sends >= 8 and session.hang is not None:
            session.hang.clear()
        return None

    session.hang.set()
    session.script = hang_after_eight
    worker = asyncio.create_task(harness.deliver())
    for _ in range(200):
        await asyncio.sleep(0.01)
        if len(session.calls) - sends >= 12:
            break
    worker.cancel()  # kill -9 between the send and the "sent" mark: the process ends, nothing more is written
    await asyncio.gather(worker, return_exceptions=True)
    first = {c: len(harness.texts(c)) for c in chats}
    at_crash = await _statuses(harness)
    in_flight = {c for c, st in at_crash.items() if st == "sending"}
    assert set(at_crash) == set(chats)  # every target was claimed before anything was sent
    assert in_flight and any(first[c] for c in in_flight)
    assert all(first[c] == 1 for c, st in at_crash.items() if st == "sent")

    # a new process on the same database, after the stale window
    async with harness.root.session_factory() as s:
        await s.execute(update(Delivery).values(updated_at=utcnow() - timedelta(seconds=120)))
        await s.commit()
    fresh = ScriptedSession()
    root2 = build_root(harness.root.settings, with_api=False, bot_session=fresh)
    try:
        h2 = BotHarness(root2, fresh)
        for _ in range(5):
            h2.clock.advance(1.0)
            await h2.deliver()
        second = {c: len(h2.texts(c)) for c in chats}
    finally:
        await root2.shutdown()
    total = {c: first[c] + second[c] for c in chats}
    assert all(n >= 1 for n in total.values())  # none lost
    twice = {c for c, n in total.items() if n > 1}
    assert twice and twice <= in_flight and max(total.values()) == 2  # only the in-flight ones, once more
    async with harness.root.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.published_at.is_(None))) == 0

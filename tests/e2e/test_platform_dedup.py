"""Deferred dedup: the update id is committed with the update's first transaction, or alone at its end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from sqlalchemy import func, select

from app.root import Root, build_root
from bot.middlewares.dedup import SeenIds
from bot.models import ProcessedUpdate
from core.catalog.models import User
from core.outbox.models import OutboxEvent
from core.settings import Settings
from tests.conftest import _empty
from tests.e2e.harness import BotHarness, RecordingSession, UpdateFactory


class Step(StatesGroup):
    one = State()


async def _ids(root: Root) -> list[int]:
    async with root.session_factory() as s:
        return list(await s.scalars(select(ProcessedUpdate.update_id).order_by(ProcessedUpdate.update_id)))


async def _events(root: Root) -> int:
    async with root.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(OutboxEvent)) or 0)


def crash_router(root: Root, probe: list[Any]) -> Router:
    r = Router(name="test-dedup")

    @r.message(F.text == "register")
    async def register(message: Message) -> None:
        uow = root.uow()
        async with uow:
            uow.add_event("test.registered", {"by": message.from_user.id if message.from_user else 0})
            await uow.commit()
        probe.append(await _ids(root))  # what a restart right now would find
        raise RuntimeError("crash after the domain commit")

    @r.message(F.text == "step")
    async def step(message: Message, state: FSMContext) -> None:
        await state.set_state(Step.one)

    @r.message(F.text == "fail")
    async def fail(message: Message) -> None:
        raise RuntimeError("bug before any commit")

    return r


async def test_domain_write_commits_the_update_id_with_it_and_redelivery_after_restart_is_skipped(
        settings: Settings) -> None:
    probe: list[Any] = []
    updates = UpdateFactory(start_update_id=7000)
    crashing = updates.message(901, "register")
    r1 = build_root(settings, with_api=False, bot_session=RecordingSession())
    await r1.startup()
    try:
        h1 = BotHarness(r1, RecordingSession(), strict=False)
        h1.add_router(crash_router(r1, probe))
        await h1.feed(crashing)
        assert probe == [[crashing.update_id]]  # the id was in the ticket's own transaction
        assert await _events(r1) == 1
    except BaseException:
        await _empty(r1)
        raise
    finally:
        await r1.shutdown()

    r2 = build_root(settings, with_api=False, bot_session=RecordingSession())  # memory lost: a restart
    await r2.startup()
    try:
        h2 = BotHarness(r2, RecordingSession(), strict=False)
        h2.add_router(crash_router(r2, probe))
        await h2.feed(crashing)  # Telegram redelivers the unconfirmed update
        assert await _events(r2) == 1 and len(probe) == 1
        older = updates.message(901, "step", update_id=crashing.update_id - 1)  # below the floor, never seen
        await h2.feed(older)
        assert await _ids(r2) == [older.update_id, crashing.update_id]
    finally:
        await _empty(r2)
        await r2.shutdown()


async def test_fsm_step_and_failing_handler_record_the_id_once(harness: BotHarness) -> None:
    harness.strict = False
    harness.add_router(crash_router(harness.root, []))
    step = harness.updates.message(902, "step")
    fail = harness.updates.message(902, "fail")
    await harness.feed(step)
    await harness.feed(fail)  # no commit by the handler: the id is written at the end, error or not
    assert await _ids(harness.root) == [step.update_id, fail.update_id]
    assert await harness.feed(fail) == [] and await harness.feed(step) == []
    assert await _ids(harness.root) == [step.update_id, fail.update_id]


def test_seen_ids_raise_the_floor_when_they_forget() -> None:
    seen = SeenIds(size=2)
    seen.floor = 5
    for i in (10, 11, 12):
        seen.add(i)
    assert 10 not in seen and 12 in seen and seen.floor == 10


async def test_new_user_record_and_cancelled_handler_do_not_mark_the_update_handled(harness: BotHarness) -> None:
    """Regression: the first commit of an update was a new user's record, so a crash right after it made the
    redelivery skip the real work; and a handler cancelled at shutdown was recorded as handled."""
    harness.strict = False
    r = Router(name="test-cancel")

    @r.message(F.text == "die")
    async def die(message: Message) -> None:
        raise asyncio.CancelledError  # the process is shutting down mid-handler

    harness.add_router(r)
    upd = harness.updates.message(903, "die")  # 903 has never written: the user middleware creates the user
    with pytest.raises(asyncio.CancelledError):
        await harness.feed(upd)
    async with harness.root.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(User).where(User.tg_id == 903)) == 1
    assert await _ids(harness.root) == []  # after a restart, Telegram's redelivery is handled

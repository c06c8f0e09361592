"""Dispatcher platform: dedup, private-only dialogs, throttling, error mapping, FSM surviving a restart."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramRetryAfter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy import func, select

from app.root import build_root
from bot.models import FsmRecord, ProcessedUpdate
from core.catalog.models import User
from core.errors import Conflict, IllegalTransition, ValidationFailed
from core.settings import Settings
from tests.conftest import _empty
from tests.e2e.harness import BotHarness, RecordingSession, retry_after


class Form(StatesGroup):
    title = State()
    details = State()


def echo_router(seen: list[dict[str, Any]]) -> Router:
    r = Router(name="test-echo")

    @r.message(F.text == "boom-conflict")
    async def conflict(message: Message) -> None:
        raise Conflict("changed")

    @r.message(F.text == "boom-validation")
    async def invalid(message: Message) -> None:
        raise ValidationFailed("bad", fields={"email": "нужен адрес вида name@example.ru"})

    @r.callback_query(F.data == "stale")
    async def stale(cq: CallbackQuery) -> None:
        raise IllegalTransition(status="closed", action="confirm")

    @r.message(F.text == "boom")
    async def boom(message: Message) -> None:
        raise RuntimeError("bug")

    @r.message(F.text == "/form")
    async def start_form(message: Message, state: FSMContext) -> None:
        await state.set_state(Form.title)
        await message.answer("Тема?")

    @r.message(Form.title)
    async def title(message: Message, state: FSMContext) -> None:
        await state.update_data(title=message.text)
        await state.set_state(Form.details)
        await message.answer("Подробности?")

    @r.message(Form.details)
    async def details(message: Message, state: FSMContext) -> None:
        data = await state.get_data()
        await state.clear()
        await message.answer(f"Готово: {data['title']} / {message.text}")

    @r.message()
    async def echo(message: Message, **data: Any) -> None:
        seen.append(data)
        await message.answer(f"echo {message.text}")

    return r


def with_echo(h: BotHarness) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    h.add_router(echo_router(seen))
    return seen


async def test_duplicate_update_is_handled_once(harness: BotHarness) -> None:
    seen = with_echo(harness)
    upd = harness.updates.message(501, "привет")
    first = await harness.feed(upd)
    again = await harness.feed(upd)
    assert [c.text for c in first] == ["echo привет"]
    assert again == []
    assert len(seen) == 1
    async with harness.root.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1


async def test_the_same_update_fed_concurrently_is_handled_once(harness: BotHarness) -> None:
    seen = with_echo(harness)
    upd = harness.updates.message(507, "дубль")
    await asyncio.gather(*(harness.dp.feed_update(harness.bot, upd) for _ in range(3)))
    assert len(seen) == 1 and harness.texts(507) == ["echo дубль"]


async def test_typed_services_user_and_locale_injected(harness: BotHarness) -> None:
    seen = with_echo(harness)
    await harness.send_text(502, "hi", language_code="en")
    await harness.send_text(502, "hi again", language_code="en")
    data = seen[-1]
    # the handlers name the services they use; the whole root is not handed out
    assert "root" not in data
    assert data["uow"] is harness.root.uow and data["tz"] == harness.root.tz
    assert data["kb"] is harness.root.kb and data["settings"] is harness.root.settings
    assert data["user"].tg_id == 502 and data["locale"] == "en"
    async with harness.root.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(User).where(User.tg_id == 502)) == 1


async def test_group_chat_never_reaches_user_dialogs(harness: BotHarness) -> None:
    seen = with_echo(harness)
    calls = await harness.send_text(503, "в группе", chat_type="supergroup")
    calls += await harness.feed(harness.updates.callback(503, "t:open:1", chat_type="group"))
    assert calls == [] and seen == []
    assert [c.text for c in await harness.send_text(503, "лично")] == ["echo лично"]


async def test_flood_gets_one_polite_warning_then_silence(harness: BotHarness) -> None:
    seen = with_echo(harness)
    harness.session.relax("chat_rate")  # the throttle alone: no reply waits out a 429 here
    harness.tick = 0.1
    texts = [c.text for i in range(9) for c in await harness.send_text(504, f"m{i}") if c.error is None]
    assert texts[:5] == [f"echo m{i}" for i in range(5)]  # the burst's replies waited out Telegram's 429
    assert texts[5:] == ["Слишком много сообщений подряд, подождите пару секунд"]
    assert len(seen) == 5
    harness.clock.advance(5)
    assert [c.text for c in await harness.send_text(504, "снова")] == ["echo снова"]


async def test_throttle_stays_under_telegrams_per_chat_limit_so_no_reply_is_lost(harness: BotHarness) -> None:
    seen = with_echo(harness)
    harness.session.relax("chat_rate")
    harness.tick = 0.5  # two messages a second for a minute: the old 5-per-2-s window let every one through
    for i in range(120):
        await harness.send_text(506, f"m{i}")
    assert len(seen) <= 60 * 1.0 + 5  # the throttle's rate (1 update/s) plus its burst
    assert "Слишком много сообщений подряд, подождите пару секунд" in harness.texts(506)


async def test_a_burst_within_the_throttle_loses_no_reply_to_telegrams_limit(harness: BotHarness) -> None:
    seen = with_echo(harness)
    harness.tick = 0.2  # Telegram's per-chat limit on (1/s, a burst of 3)
    start = harness.clock()
    sent = [c for i in range(20) for c in await harness.send_text(509, f"m{i}")]
    delivered = [c.text for c in sent if c.error is None]
    assert len([t for t in delivered if t and t.startswith("echo")]) == len(seen)  # every reply went out
    assert all(isinstance(c.error, TelegramRetryAfter) for c in sent if c.error is not None)
    assert len(delivered) <= (harness.clock() - start) * 1.0 + 3  # and never faster than Telegram allows
    assert "Что-то пошло не так, попробуйте ещё раз" not in delivered


async def test_a_429_on_a_dialog_reply_waits_and_goes_out(harness: BotHarness) -> None:
    with_echo(harness)
    harness.session.fail_next("sendMessage", retry_after(3), times=2)
    start = harness.clock()
    calls = await harness.send_text(507, "привет")
    assert [c.error is None for c in calls] == [False, False, True]
    assert harness.last_text(507) == "echo привет"
    assert harness.clock() - start >= 6  # it waited retry_after each time
    assert "Что-то пошло не так" not in str(harness.texts(507))


async def test_a_429_longer_than_the_bounded_wait_is_not_waited_for(harness: BotHarness) -> None:
    with_echo(harness)
    harness.strict = False
    harness.session.fail_next("sendMessage", retry_after(120))
    await harness.send_text(508, "привет")
    assert isinstance(harness.errors[-1], TelegramRetryAfter)


async def test_errors_become_short_texts_and_polling_goes_on(harness: BotHarness) -> None:
    with_echo(harness)
    assert harness.last_text(505) is None
    await harness.send_text(505, "boom-conflict")
    assert harness.last_text(505) == "Обращение уже изменилось, обновите карточку"
    await harness.send_text(505, "boom-validation")
    assert "name@example.ru" in (harness.last_text(505) or "")
    calls = await harness.press(505, "stale")
    assert [(c.name, c.params["text"], c.params["show_alert"]) for c in calls] == [
        ("answerCallbackQuery", "Обращение уже изменилось, обновите карточку", True)]
    harness.strict = False
    await harness.send_text(505, "boom")
    assert harness.last_text(505) == "Что-то пошло не так, попробуйте ещё раз"
    assert isinstance(harness.errors[-1], RuntimeError)
    await harness.send_text(505, "ещё")
    assert harness.last_text(505) == "echo ещё"


async def test_fsm_state_survives_a_restart(settings: Settings) -> None:
    s1 = RecordingSession()
    r1 = build_root(settings, with_api=False, bot_session=s1)
    await r1.startup()
    h1 = BotHarness(r1, s1)
    with_echo(h1)
    await h1.send_text(506, "/form")
    await h1.send_text(506, "Не сохраняется карточка")
    async with r1.session_factory() as s:
        row = await s.scalar(select(FsmRecord))
        assert row is not None and row.state == "Form:details" and row.data == {"title": "Не сохраняется карточка"}
    await r1.shutdown()

    s2 = RecordingSession()
    r2 = build_root(settings, with_api=False, bot_session=s2)
    await r2.startup()
    try:
        h2 = BotHarness(r2, s2)
        h2.updates = type(h1.updates)(start_update_id=500)  # new ids after the restart, as Telegram would send
        with_echo(h2)
        await h2.send_text(506, "ошибка 500")
        assert h2.last_text(506) == "Готово: Не сохраняется карточка / ошибка 500"
        async with r2.session_factory() as s:
            assert await s.scalar(select(func.count()).select_from(FsmRecord)) == 0  # cleared context leaves no row
    finally:
        await _empty(r2)
        await r2.shutdown()


async def test_with_redis_url_the_state_lives_in_redis(settings: Settings) -> None:
    from aiogram.fsm.storage.redis import RedisStorage

    redis_settings = settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/15"})
    for step, text in enumerate(["/form", "Тема в Redis", "детали"]):
        session = RecordingSession()
        r = build_root(redis_settings, with_api=False, bot_session=session)
        await r.startup()
        try:
            assert r.dp is not None and isinstance(r.dp.storage, RedisStorage)
            h = BotHarness(r, session)
            h.updates = type(h.updates)(start_update_id=900 + step)  # a restart before every message
            with_echo(h)
            await h.send_text(508, text)
            async with r.session_factory() as s:  # nothing of the dialog in the SQL table
                assert await s.scalar(select(func.count()).select_from(FsmRecord)) == 0
        finally:
            await r.dp.storage.close()
            await _empty(r)
            await r.shutdown()
    assert h.last_text(508) == "Готово: Тема в Redis / детали"

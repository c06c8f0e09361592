"""The broadcast engine against the strict recording session: each of Telegram's answers and what it does."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from sqlalchemy import select

from core.broadcasts import service
from core.broadcasts.models import Broadcast, RecipientStatus
from core.catalog.models import User
from tests.e2e.broadcast_kit import broadcast_to_all, rows, run_until_done, sender, sends, users
from tests.e2e.harness import BotHarness, Call, bad_request, server_error
from tests.e2e.test_platform_delivery_outage import ScriptedSession


@pytest.fixture
def recording_session() -> ScriptedSession:
    return ScriptedSession()  # strict as the plain one; a test may script failures for chosen chats


ENTITY_ERROR = "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 5"


async def test_every_recipient_is_told_once_and_rows_keep_the_message_id(harness: BotHarness) -> None:
    chats = await users(harness, 40)
    bid = await broadcast_to_all(harness)
    snd = sender(harness)
    await run_until_done(snd, harness)
    assert sends(harness) == {c: 1 for c in chats}
    got = await rows(harness, bid)
    assert {r.status for r in got.values()} == {RecipientStatus.sent}
    assert all(r.message_id for r in got.values())
    p = await service.get_progress(uow=harness.root.uow(), broadcast_id=bid)
    assert (p.total, p.sent, p.pending, p.status) == (40, 40, 0, "done")


async def test_rows_are_written_before_sending_from_the_audience_query(harness: BotHarness) -> None:
    await users(harness, 30)
    async with harness.root.session_factory() as s:
        gone = await s.scalar(select(User).where(User.tg_id == 700_003))
        assert gone is not None
        gone.unreachable = True  # a user known unreachable is not even written
        await s.commit()
    bid = await broadcast_to_all(harness)
    got = await rows(harness, bid)
    assert len(got) == 29 and 700_003 not in got
    assert {r.status for r in got.values()} == {RecipientStatus.pending}
    assert not [c for c in harness.session.calls if c.name == "sendMessage"]


async def test_429_pauses_every_sender_until_retry_after_and_the_row_is_sent_later(harness: BotHarness) -> None:
    chats = await users(harness, 12)
    bid = await broadcast_to_all(harness)
    session = harness.session
    assert isinstance(session, ScriptedSession)
    stamps: list[tuple[float, str]] = []
    refused = {"done": False}

    def script(call: Call) -> BaseException | None:
        if len(stamps) == 3 and not refused["done"]:
            refused["done"] = True
            stamps.append((harness.clock.now, "429"))
            return TelegramRetryAfter(method=call.method, message="Too Many Requests: retry after 7", retry_after=7)
        stamps.append((harness.clock.now, "ok"))
        return None

    session.script = script
    snd = sender(harness)
    await run_until_done(snd, harness)
    assert sends(harness) == {c: 1 for c in chats}
    at_429 = next(t for t, what in stamps if what == "429")
    after = [t for t, what in stamps[4:]]
    assert after and min(after) >= at_429 + 7  # every sender waited out the one flood deadline
    assert {r.status for r in (await rows(harness, bid)).values()} == {RecipientStatus.sent}


async def test_403_marks_the_user_unreachable_and_is_never_retried(harness: BotHarness) -> None:
    chats = await users(harness, 5)
    harness.session.block(chats[2])
    bid = await broadcast_to_all(harness)
    await run_until_done(sender(harness), harness)
    got = await rows(harness, bid)
    assert got[chats[2]].status == RecipientStatus.blocked and "blocked" in (got[chats[2]].error or "")
    assert len([c for c in harness.session.calls if c.chat_id == chats[2]]) == 1  # tried once
    async with harness.root.session_factory() as s:
        u = await s.scalar(select(User).where(User.tg_id == chats[2]))
        assert u is not None and u.unreachable
    assert sends(harness) == {c: 1 for c in chats if c != chats[2]}


async def test_a_markup_400_is_resent_once_as_plain_text(harness: BotHarness) -> None:
    [chat] = await users(harness, 1)
    bid = await broadcast_to_all(harness, text="Работы <b>NTTM</b> &amp; CRM")
    harness.session.fail_next("sendMessage", bad_request(ENTITY_ERROR))
    await run_until_done(sender(harness), harness)
    to_chat = [c for c in harness.session.calls if c.name == "sendMessage"]
    assert len(to_chat) == 2 and to_chat[0].error is not None
    assert to_chat[1].error is None and to_chat[1].text == "Работы NTTM & CRM"
    assert (await rows(harness, bid))[chat].status == RecipientStatus.sent


async def test_another_400_fails_the_row_with_telegram_s_reason(harness: BotHarness) -> None:
    chats = await users(harness, 3)
    bid = await broadcast_to_all(harness)
    harness.session.fail_next("sendMessage", bad_request("Bad Request: message text is empty"))
    await run_until_done(sender(harness), harness)
    got = await rows(harness, bid)
    failed = [r for r in got.values() if r.status == RecipientStatus.failed]
    assert len(failed) == 1 and failed[0].error == "Bad Request: message text is empty"
    assert sum(sends(harness).values()) == 2 and len(chats) == 3


async def test_5xx_retries_with_backoff_then_fails_with_the_reason(harness: BotHarness) -> None:
    chats = await users(harness, 4)
    bid = await broadcast_to_all(harness)
    snd = sender(harness, max_attempts=3, backoff=2.0)
    harness.session.fail_next("sendMessage", server_error("Internal Server Error"), times=1)
    await run_until_done(snd, harness)
    got = await rows(harness, bid)
    assert {r.status for r in got.values()} == {RecipientStatus.sent}  # one 5xx: retried, then sent
    retried = [r for r in got.values() if r.attempts == 2]
    assert len(retried) == 1

    # a chat that answers 5xx every time: attempts up to the limit, then failed with the reason
    bid2 = await broadcast_to_all(harness, text="Второе уведомление")
    session = harness.session
    assert isinstance(session, ScriptedSession)
    session.script = lambda call: (TelegramServerError(method=call.method, message="Bad Gateway")
                                   if call.chat_id == chats[1] else None)
    before = len(harness.session.calls)
    tried_at: list[float] = []
    snd2 = sender(harness, max_attempts=3, backoff=2.0)
    inner = session.script
    session.script = lambda call: (tried_at.append(harness.clock.now) if call.chat_id == chats[1] else None) \
        or inner(call)
    await run_until_done(snd2, harness)
    got2 = await rows(harness, bid2)
    failed = [r for r in got2.values() if r.status == RecipientStatus.failed]
    assert [r.chat_id for r in failed] == [chats[1]]
    assert failed[0].attempts == 3 and "Bad Gateway" in (failed[0].error or "")
    assert len(harness.session.calls) - before == 3 + 3  # three tries of one chat, one send to each other
    assert tried_at[1] - tried_at[0] >= 2.0 and tried_at[2] - tried_at[1] >= 4.0  # the backoff grows


async def test_cancel_stops_what_is_not_sent_yet(harness: BotHarness) -> None:
    await users(harness, 30)
    bid = await broadcast_to_all(harness)
    snd = sender(harness)
    await snd.run(max_chunks=2)
    p = await service.cancel_broadcast(uow=harness.root.uow(), broadcast_id=bid)
    assert p.status == "cancelled" and p.sent == 10 and p.cancelled == 20 and p.pending == 0
    await run_until_done(snd, harness)
    assert sum(sends(harness).values()) == 10


async def test_two_broadcasts_share_the_rate_and_run_side_by_side(harness: BotHarness) -> None:
    await users(harness, 20)
    a = await broadcast_to_all(harness, text="A")
    b = await broadcast_to_all(harness, text="B")
    snd = sender(harness)
    await snd.run(max_chunks=2)
    texts = [c.text for c in harness.session.calls if c.name == "sendMessage"]
    assert "A" in texts and "B" in texts  # both advance, neither waits for the other to finish
    await run_until_done(snd, harness)
    for bid in (a, b):
        assert {r.status for r in (await rows(harness, bid)).values()} == {RecipientStatus.sent}


async def test_progress_message_is_edited_at_most_every_10_s_then_a_summary(harness: BotHarness) -> None:
    await users(harness, 60)
    line1 = -100_777
    bid = await broadcast_to_all(harness, progress_chat_id=line1)
    snd = sender(harness, rate=5.0)
    await run_until_done(snd, harness)
    to_line1 = [c for c in harness.session.calls if c.chat_id == line1]
    assert to_line1[0].name == "sendMessage"
    edits = [c for c in to_line1 if c.name == "editMessageText"]
    assert edits, "the progress message is edited while sending"
    assert to_line1[-1].name == "sendMessage" and "завершена" in (to_line1[-1].text or "")
    assert "Доставлено: 60" in (to_line1[-1].text or "")
    # 60 messages at 5/s ≈ 12 s: one first message, an edit or two, never one per chunk
    assert len(edits) <= 3
    async with harness.root.session_factory() as s:
        b = await s.get(Broadcast, bid)
        assert b is not None and b.progress_message_id == to_line1[0].result.message_id


async def test_the_process_sender_shares_the_delivery_limiter_at_the_send_rate(harness: BotHarness) -> None:
    from app.wiring_broadcasts import run_broadcasts, sender_of

    root = harness.root
    snd = sender_of(root)
    assert snd is not None and root.delivery is not None
    assert snd.limiter is root.delivery.limiter and snd.limiter.rate == root.settings.send_rate == 25.0
    chats = await users(harness, 3)
    await broadcast_to_all(harness)
    await run_broadcasts(root)  # the scheduler's job, on the real clock
    assert sends(harness) == {c: 1 for c in chats}


async def test_a_429_on_the_second_part_of_a_long_notice_does_not_send_the_first_part_again(
        harness: BotHarness) -> None:
    # regression: the row went back to pending and the next pass sent the long notice from its first part again
    await users(harness, 1)
    text = ("Работы в NTTM: " + "подробности " * 300 + "\n") * 2  # ~7,300 characters: two messages
    bid = await broadcast_to_all(harness, text=text)
    session = harness.session
    assert isinstance(session, ScriptedSession)
    seen = {"n": 0}

    def script(call: Call) -> BaseException | None:
        seen["n"] += 1
        if seen["n"] == 2:
            return TelegramRetryAfter(method=call.method, message="Too Many Requests: retry after 5", retry_after=5)
        return None

    session.script = script
    await run_until_done(sender(harness), harness)
    parts = [c.text or "" for c in harness.session.calls if c.name == "sendMessage" and c.error is None]
    assert len(parts) == 2 and parts[0] != parts[1]  # each part once, in order
    assert {r.status for r in (await rows(harness, bid)).values()} == {RecipientStatus.sent}

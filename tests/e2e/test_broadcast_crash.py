"""A sender killed mid-broadcast (its task cancelled between chunks, or in the middle of a send) and a new one
started: everybody told once; the rows that were in flight are `uncertain`, counted and never resent."""

from __future__ import annotations

import asyncio
import random

import pytest

from core.broadcasts import service
from core.broadcasts.models import RecipientStatus
from tests.e2e.broadcast_kit import broadcast_to_all, rows, run_until_done, sender, sends, users
from tests.e2e.harness import BotHarness, Call
from tests.e2e.test_platform_delivery_outage import ScriptedSession


@pytest.fixture
def recording_session() -> ScriptedSession:
    return ScriptedSession()


async def test_cancelled_between_chunks_then_restarted_tells_everyone_exactly_once(harness: BotHarness) -> None:
    chats = await users(harness, 50)
    bid = await broadcast_to_all(harness)
    first = sender(harness)
    await first.run(max_chunks=4)  # stops after a settled chunk: nothing in flight
    assert sum(sends(harness).values()) == 20
    second = sender(harness)  # a new process
    await run_until_done(second, harness)
    assert sends(harness) == {c: 1 for c in chats}
    p = await service.get_progress(uow=harness.root.uow(), broadcast_id=bid)
    assert (p.sent, p.uncertain, p.pending) == (50, 0, 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_killed_at_a_random_send_then_restarted_nobody_twice_uncertain_counted(harness: BotHarness,
                                                                                      seed: int) -> None:
    chats = await users(harness, 60)
    bid = await broadcast_to_all(harness)
    kill_at = random.Random(seed).randint(3, 50)
    session = harness.session
    assert isinstance(session, ScriptedSession)
    task: asyncio.Task[object] | None = None
    count = {"n": 0}

    def script(call: Call) -> BaseException | None:
        count["n"] += 1
        if count["n"] == kill_at and task is not None:
            task.cancel()  # lands at the sender's next await: this send is Telegram's, its outcome is lost
        return None

    session.script = script
    task = asyncio.create_task(sender(harness).run(budget=1e9))
    with pytest.raises(asyncio.CancelledError):
        await task
    got = await rows(harness, bid)
    # rows between their claim and their outcome; none when the cancel lands after a chunk's outcomes were
    # committed (seen on PostgreSQL, where that commit is the next await): then the restart must simply go on
    in_flight = [c for c, r in got.items() if r.status == RecipientStatus.sending]

    session.script = None
    restarted = sender(harness)
    await run_until_done(restarted, harness)
    delivered = sends(harness)
    assert max(delivered.values()) == 1, "nobody is told twice"
    got = await rows(harness, bid)
    uncertain = {c for c, r in got.items() if r.status == RecipientStatus.uncertain}
    assert uncertain == set(in_flight)
    assert {c for c, r in got.items() if r.status == RecipientStatus.sent} == set(chats) - uncertain
    assert all(delivered[c] == 1 for c in set(chats) - uncertain), "nobody skipped"
    p = await service.get_progress(uow=harness.root.uow(), broadcast_id=bid)
    assert p.uncertain == len(uncertain) and p.sent + p.uncertain == 60 and p.pending == 0
    assert len(uncertain) <= 2 * restarted.chunk_size()  # at most two claims are ever in flight

"""The topic claim: one creator per ticket, a dead creator's claim taken over, a deleted topic forgotten."""

from __future__ import annotations

from datetime import timedelta

from core.db import utcnow
from core.staffdesk import cards, topics
from core.staffdesk.models import TicketCard
from tests import factories as f

CHAT, OTHER = -100_700, -100_800


async def _ticket(root) -> int:
    return (await f.incident(root, await f.user(root))).id


async def test_the_first_claim_creates_the_second_waits(root) -> None:
    tid = await _ticket(root)
    assert await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT) == topics.Claim(mine=True)
    assert await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT) == topics.Claim()
    await topics.created(uow=root.uow(), ticket_id=tid, chat_id=CHAT, thread_id=77, name="x", icon_color=None)
    assert await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT) == topics.Claim(thread_id=77)
    assert await topics.ticket_of(uow=root.uow(), chat_id=CHAT, thread_id=77) == tid


async def test_a_claim_whose_creator_died_is_taken_over_once(root) -> None:
    tid = await _ticket(root)
    long_ago = utcnow() - topics.STALE_CLAIM - timedelta(seconds=1)
    assert (await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT, now=long_ago)).mine
    assert (await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT)).mine
    assert await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT) == topics.Claim()


async def test_a_refused_creation_is_released_for_the_next_pass(root) -> None:
    tid = await _ticket(root)
    assert (await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT)).mine
    await topics.released(uow=root.uow(), ticket_id=tid)
    assert (await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT)).mine


async def test_a_ticket_moved_to_another_chat_gets_a_topic_there(root) -> None:
    tid = await _ticket(root)
    await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT)
    await topics.created(uow=root.uow(), ticket_id=tid, chat_id=CHAT, thread_id=5, name="x", icon_color=None)
    assert (await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=OTHER)).mine
    assert await topics.ticket_of(uow=root.uow(), chat_id=CHAT, thread_id=5) is None


async def test_a_deleted_topic_is_forgotten_and_its_card_posted_again(root) -> None:
    tid = await _ticket(root)
    await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT)
    await topics.created(uow=root.uow(), ticket_id=tid, chat_id=CHAT, thread_id=9, name="x", icon_color=None)
    async with root.uow() as w:
        await cards.synced(w.session, ticket_id=tid, seq=1, chat_id=CHAT, message_id=10, rendered_hash="h")
        await w.commit()
    assert await topics.gone(uow=root.uow(), chat_id=CHAT, thread_id=9) == tid
    assert await topics.gone(uow=root.uow(), chat_id=CHAT, thread_id=9) is None  # a second report changes nothing
    async with root.session_factory() as s:
        card = await s.get(TicketCard, tid)
        assert card is not None and card.dirty and card.message_id is None
    assert (await topics.claim(uow=root.uow(), ticket_id=tid, chat_id=CHAT)).mine

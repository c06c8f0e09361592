"""Regression: a ticket's forum topic closed by hand (a staff member closes it in Telegram) while the ticket is still
open: the user's next comment met «Bad Request: TOPIC_CLOSED» and was marked failed — it never reached the desk.
The topic is now reopened (reopenForumTopic) and the comment posted there; when Telegram refuses the reopening
too, the comment goes to the chat's general feed with the ticket's number. Real outbox worker, the strict fake
Bot API (which refuses a send into a closed topic)."""

from __future__ import annotations

from sqlalchemy import select

from core.outbox.models import Delivery, DeliveryStatus
from core.tickets import service as tickets
from core.tickets.lifecycle import Actor
from core.tickets.models import ticket_number
from tests.e2e.harness import BotHarness, bad_request
from tests.e2e.test_staff_forum import CHAT, _in_thread, _ready, _setup, _topic


async def _user_comments(h: BotHarness, ticket_id: int, requester_id: int, text: str) -> None:
    await tickets.add_comment(uow=h.root.uow(), ticket_id=ticket_id, actor=Actor("user", requester_id), text=text)
    await h.deliver()


async def test_a_comment_into_a_topic_closed_by_hand_failed_and_never_reached_the_desk(harness: BotHarness) -> None:
    h = harness
    t = await _setup(h)
    thread = await _ready(h, t)
    h.session.close_topic(CHAT, thread)
    await _user_comments(h, t.id, t.requester_id, "Ошибка повторилась сегодня утром")
    refused = [c for c in h.calls_to(CHAT, "sendMessage") if c.error is not None]
    assert len(refused) == 1 and "TOPIC_CLOSED" in str(refused[0].error)
    [reopen] = h.calls_to(CHAT, "reopenForumTopic")
    assert reopen.error is None and reopen.params["message_thread_id"] == thread
    assert (CHAT, thread) not in h.session.closed_topics
    assert any("Ошибка повторилась сегодня утром" in (c.text or "") for c in _in_thread(h, thread))
    assert (await _topic(h, t.id)).closed is False
    async with h.root.session_factory() as s:
        statuses = (await s.scalars(select(Delivery.status).where(Delivery.chat_id == CHAT))).all()
    assert statuses and all(x == DeliveryStatus.sent for x in statuses)


async def test_a_closed_topic_that_cannot_be_reopened_gets_the_comment_in_the_general_feed(
        harness: BotHarness) -> None:
    h = harness
    t = await _setup(h)
    thread = await _ready(h, t)
    h.session.close_topic(CHAT, thread)
    h.session.fail_next("reopenForumTopic", bad_request("Bad Request: not enough rights to manage topics"))
    await _user_comments(h, t.id, t.requester_id, "Ошибка повторилась сегодня утром")
    [general] = [c for c in h.calls_to(CHAT, "sendMessage")
                 if c.error is None and "Ошибка повторилась" in (c.text or "")]
    assert general.params.get("message_thread_id") is None
    assert ticket_number(t.id) in (general.text or "") and "тема обращения закрыта" in (general.text or "")

"""Regression: a ticket's forum topic closed by hand (a staff member closes it in Telegram) while the ticket is still
open: the user's next comment met «Bad Request: TOPIC_CLOSED» and was marked failed — it never reached the desk.
The topic is now reopened (reopenForumTopic) and the comment posted there; when Telegram refuses the reopening
too, the comment goes to the chat's general feed with the ticket's number. Real outbox worker, the strict fake
Bot API (which refuses a send into a closed topic)."""

from __future__ import annotations

from aiogram.types import ForumTopicClosed, ForumTopicReopened
from sqlalchemy import select

from core.catalog.models import Staff
from core.outbox.models import Delivery, DeliveryStatus
from core.tickets import service as tickets
from core.tickets.lifecycle import Actor
from core.tickets.models import ticket_number
from tests.e2e.harness import BotHarness, bad_request
from tests.e2e.test_staff_forum import CHAT, MEMBER, _in_thread, _ready, _setup, _sync, _topic


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


# Telegram lets a bot that is an admin with can_manage_topics post into a closed topic: the comment went into the
# topic that stayed closed (nobody refused it, so nothing reopened it) where staff who are not admins cannot answer.
# The service message of the closing is now noted, and the desk reopens the topic before it posts there.

async def _closed_by_hand(h: BotHarness, thread: int, *, reopened: bool = False) -> None:
    """A staff member closes (or reopens) the topic in Telegram: the topic changes and its service message comes."""
    if reopened:
        h.session.closed_topics.discard((CHAT, thread))
    else:
        h.session.close_topic(CHAT, thread)
    what = {"forum_topic_reopened": ForumTopicReopened()} if reopened else {"forum_topic_closed": ForumTopicClosed()}
    assert await h.feed(h.updates.message(MEMBER, None, chat_type="supergroup", chat_id=CHAT,
                                          message_thread_id=thread, is_topic_message=True, **what)) == []


async def test_a_comment_for_a_topic_closed_by_hand_went_into_the_closed_topic_when_the_bot_is_an_admin(
        harness: BotHarness) -> None:
    h = harness
    h.session.bot_manages_topics = True
    t = await _setup(h)
    thread = await _ready(h, t)
    await _closed_by_hand(h, thread)
    assert (await _topic(h, t.id)).closed is True
    before = len(h.session.calls)
    await _user_comments(h, t.id, t.requester_id, "Ошибка повторилась сегодня утром")
    after = h.session.calls[before:]
    [reopen] = [c for c in after if c.name == "reopenForumTopic"]
    [comment] = [c for c in after if c.name == "sendMessage" and "Ошибка повторилась" in (c.text or "")]
    assert reopen.error is None and reopen.params["message_thread_id"] == thread
    assert comment.error is None and comment.params.get("message_thread_id") == thread
    assert after.index(reopen) < after.index(comment)  # reopened before the send, not after a refusal
    assert (CHAT, thread) not in h.session.closed_topics
    assert (await _topic(h, t.id)).closed is False


async def test_a_topic_closed_by_hand_is_reopened_before_the_send_without_waiting_for_a_refusal(
        harness: BotHarness) -> None:
    h = harness  # the bot is no admin: Telegram would refuse the send, but it is never tried into the closed topic
    t = await _setup(h)
    thread = await _ready(h, t)
    await _closed_by_hand(h, thread)
    await _user_comments(h, t.id, t.requester_id, "Ошибка повторилась сегодня утром")
    assert [c for c in h.calls_to(CHAT, "sendMessage") if c.error is not None] == []
    assert len(h.calls_to(CHAT, "reopenForumTopic")) == 1
    assert any("Ошибка повторилась" in (c.text or "") for c in _in_thread(h, thread))
    assert (await _topic(h, t.id)).closed is False


async def test_a_topic_reopened_by_hand_is_noted_open(harness: BotHarness) -> None:
    h = harness
    t = await _setup(h)
    thread = await _ready(h, t)
    await _closed_by_hand(h, thread)
    await _closed_by_hand(h, thread, reopened=True)
    assert (await _topic(h, t.id)).closed is False
    await _user_comments(h, t.id, t.requester_id, "Ошибка повторилась сегодня утром")
    assert h.calls_to(CHAT, "reopenForumTopic") == []


async def test_a_topic_closed_by_hand_is_reopened_by_a_new_assignment_not_by_a_mere_redraw(
        harness: BotHarness) -> None:
    h = harness
    h.session.bot_manages_topics = True
    t = await _setup(h)
    thread = await _ready(h, t)
    await _closed_by_hand(h, thread)
    async with h.root.session_factory() as s:
        staff_id = (await s.scalars(select(Staff.id))).one()
    edits = len(h.calls_to(CHAT, "editMessageText"))
    await tickets.add_comment(uow=h.root.uow(), ticket_id=t.id, actor=Actor("staff", staff_id),
                              text="Смотрим журнал", public=True)
    await _sync(h)
    await _sync(h)
    assert len(h.calls_to(CHAT, "editMessageText")) > edits  # the card was redrawn
    assert h.calls_to(CHAT, "reopenForumTopic") == []  # staff's own reply redraws the card: the topic stays closed
    assert (await _topic(h, t.id)).closed is True
    before = len(h.session.calls)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", staff_id))
    await _sync(h)
    after = h.session.calls[before:]
    names = [c.name for c in after if c.error is None and c.name in ("reopenForumTopic", "editMessageText")]
    assert names[:2] == ["reopenForumTopic", "editMessageText"]  # reopened, then the card shows who took it
    assert (await _topic(h, t.id)).closed is False
    await _sync(h)
    assert len(h.calls_to(CHAT, "reopenForumTopic")) == 1


async def test_a_finished_tickets_topic_closed_by_the_desk_stays_closed(harness: BotHarness) -> None:
    h = harness
    t = await _setup(h)
    thread = await _ready(h, t)
    await _closed_by_hand(h, thread)  # closed by hand while open, then the ticket ends: nothing reopens it
    await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="cancel", actor=Actor("user", t.requester_id))
    for _ in range(3):
        await _sync(h)
    assert h.calls_to(CHAT, "reopenForumTopic") == []
    assert (await _topic(h, t.id)).closed is True

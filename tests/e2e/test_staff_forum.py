"""Issue 10, forum mode: a topic per ticket, the two-way relay, internal notes, a deleted topic, service messages.

Real Updates through the Dispatcher; the recording session refuses what Telegram refuses, topics included
(createForumTopic only in a forum, «message thread not found» for a deleted topic).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.exceptions import TelegramRetryAfter
from aiogram.types import ForumTopicCreated, ForumTopicEdited, Message
from sqlalchemy import select

from bot.callbacks import TicketCb
from bot.delivery.limiter import RateLimiter
from bot.staffchat.sync import sync_cards
from core.catalog.models import Staff
from core.outbox.models import HELD, Delivery, OutboxEvent
from core.staffdesk import chats
from core.staffdesk.models import ForumTopic, TicketCard
from core.tickets import service as tickets
from core.tickets.lifecycle import Actor
from core.tickets.models import Comment, Ticket
from tests import factories as f
from tests.e2e.harness import BotHarness, Call, bad_request

CHAT, PLAIN = -100_400, -100_500
USER, MEMBER, OUTSIDER = 7200, 5202, 9999


async def _no_sleep_limiter(h: BotHarness) -> RateLimiter:
    async def _no_sleep(seconds: float) -> None:
        h.clock.advance(seconds)

    return RateLimiter(clock=h.clock, sleep=_no_sleep)


async def _setup(h: BotHarness, *, forum: bool = True) -> Ticket:
    assert h.root.delivery is not None
    h.root.delivery.limiter = await _no_sleep_limiter(h)  # the process's one limiter, on the fake clock
    await f.staff(h.root, line="line2", tg_id=MEMBER)
    chat = CHAT if forum else PLAIN
    await chats.bind(uow=h.root.uow(), chat_id=chat, group_code="line2", service_code=None, forum=forum)
    if forum:
        h.session.forum(CHAT)
    else:
        h.session.chat_types[PLAIN] = "supergroup"
    user = await f.user(h.root, tg_id=USER, login="u7200", full_name="Петрова Анна")
    return await f.incident(h.root, user)


async def _sync(h: BotHarness, limiter: RateLimiter | None = None) -> Any:
    assert h.root.delivery is not None and h.bot is not None
    h.clock.advance(5)
    return await sync_cards(uow=h.root.uow, bot=h.bot, limiter=limiter or h.root.delivery.limiter, tz=h.root.tz)


async def _topic(h: BotHarness, ticket_id: int) -> ForumTopic:
    async with h.root.session_factory() as s:
        row = await s.get(ForumTopic, ticket_id)
        assert row is not None
        return row


async def _ready(h: BotHarness, t: Ticket) -> int:
    """The ticket's topic made and its card posted in it: two passes (the creation takes the chat's slot)."""
    await _sync(h)
    await _sync(h)
    row = await _topic(h, t.id)
    assert row.thread_id is not None
    return row.thread_id


def _in_thread(h: BotHarness, thread: int, name: str = "sendMessage") -> list[Call]:
    return [c for c in h.calls_to(CHAT, name) if c.error is None and c.params.get("message_thread_id") == thread]


async def _staff_says(h: BotHarness, thread: int, text: str, uid: int = MEMBER) -> list[Call]:
    return await h.send_text(uid, text, chat_type="supergroup", chat_id=CHAT, message_thread_id=thread,
                             is_topic_message=True)


async def test_a_new_ticket_gets_one_topic_even_when_two_passes_want_it_at_once(harness: BotHarness,
                                                                              monkeypatch: Any) -> None:
    t = await _setup(harness)
    # the user comments at once: its relay waits for the topic instead of going to the general chat
    await tickets.add_comment(uow=harness.root.uow(), ticket_id=t.id, actor=Actor("user", t.requester_id),
                              text="Добавлю: ошибка и в мобильном приложении")
    await harness.deliver()
    assert harness.calls_to(CHAT, "sendMessage") == []
    # two processes' card sync passes at the same moment, each with its own limiter; Telegram answers the
    # first createForumTopic only after the second pass has reached its own claim
    other = await _no_sleep_limiter(harness)
    harness.clock.advance(5)
    assert harness.root.delivery is not None and harness.bot is not None
    real = harness.bot.create_forum_topic

    async def slow_create(**kw: Any) -> Any:
        for _ in range(50):
            await asyncio.sleep(0)
        return await real(**kw)

    monkeypatch.setattr(harness.bot, "create_forum_topic", slow_create)
    await asyncio.gather(
        sync_cards(uow=harness.root.uow, bot=harness.bot, limiter=harness.root.delivery.limiter, tz=harness.root.tz),
        sync_cards(uow=harness.root.uow, bot=harness.bot, limiter=other, tz=harness.root.tz))
    await _sync(harness)
    created = [c for c in harness.calls_to(CHAT, "createForumTopic") if c.error is None]
    assert len(created) == 1
    assert created[0].params["name"] == f"{t.number} · {t.title}"
    assert created[0].params["icon_color"] == 7322096  # assigned: blue (fixed by Telegram at creation)
    thread = (await _topic(harness, t.id)).thread_id
    assert thread is not None
    cards = [c for c in _in_thread(harness, thread) if "📌" in (c.text or "")]
    assert len(cards) == 1
    async with harness.root.session_factory() as s:
        card = await s.get(TicketCard, t.id)
        assert card is not None and card.message_id == cards[0].result.message_id
    await harness.deliver()
    relayed = [c.text or "" for c in _in_thread(harness, thread)]
    assert any("Петрова Анна" in x and "ошибка и в мобильном приложении" in x for x in relayed)


async def test_a_staff_message_in_the_topic_reaches_the_user_with_the_staff_name(harness: BotHarness) -> None:
    t = await _setup(harness)
    thread = await _ready(harness, t)
    calls = await _staff_says(harness, thread, "Перезапустили сервис выгрузки, проверьте, пожалуйста")
    assert calls == []  # no acknowledgement in the topic: the group's budget is 20 messages a minute
    await harness.deliver()
    to_user = harness.last_text(USER) or ""
    assert "Перезапустили сервис выгрузки" in to_user and "Сотрудник 5202" in to_user


async def test_relay_staff_name_off_hides_the_name(harness: BotHarness) -> None:
    t = await _setup(harness)
    assert harness.root.delivery is not None
    harness.root.delivery.settings = harness.root.delivery.settings.model_copy(update={"relay_staff_name": False})
    thread = await _ready(harness, t)
    await _staff_says(harness, thread, "Исправлено, проверьте")
    await harness.deliver()
    to_user = harness.last_text(USER) or ""
    assert "Исправлено, проверьте" in to_user and "Сотрудник" not in to_user


async def test_the_users_comment_and_photo_in_the_bot_appear_in_the_topic(harness: BotHarness) -> None:
    t = await _setup(harness)
    thread = await _ready(harness, t)
    await harness.press(USER, TicketCb(action="comment", ticket_id=t.id))
    await harness.send_text(USER, "После перезапуска стало лучше, но медленно")
    await harness.press(USER, TicketCb(action="comment", ticket_id=t.id))
    await harness.send_photo(USER, "Скриншот", file_id="shot-1")
    await harness.deliver()
    texts = [c.text or "" for c in _in_thread(harness, thread)]
    assert any("Петрова Анна" in x and "стало лучше, но медленно" in x for x in texts)
    photos = _in_thread(harness, thread, "sendPhoto")
    assert [c.params["photo"] for c in photos] == ["shot-1"]
    assert harness.calls_to(CHAT, "sendMessage")[-1].params.get("message_thread_id") == thread


async def test_note_and_internal_tag_in_the_topic_never_reach_the_user(harness: BotHarness) -> None:
    t = await _setup(harness)
    thread = await _ready(harness, t)
    await _staff_says(harness, thread, "/note клиент VIP, держим на контроле")
    await _staff_says(harness, thread, "похоже на сбой балансировщика #внутр")
    await harness.deliver()
    assert all("VIP" not in x and "балансировщика" not in x for x in harness.texts(USER))
    async with harness.root.session_factory() as s:
        rows = (await s.execute(select(Comment.text, Comment.public).where(Comment.ticket_id == t.id))).all()
    assert sorted(tuple(r) for r in rows) == [("клиент VIP, держим на контроле", False),
                                              ("похоже на сбой балансировщика #внутр", False)]


async def test_a_deleted_topic_is_recreated_and_the_missed_messages_replayed(harness: BotHarness) -> None:
    t = await _setup(harness)
    thread = await _ready(harness, t)
    harness.session.delete_topic(CHAT, thread)
    for text in ("Первое после удаления", "Второе после удаления"):
        await tickets.add_comment(uow=harness.root.uow(), ticket_id=t.id, actor=Actor("user", t.requester_id),
                                  text=text)
    await harness.deliver()  # the first meets «message thread not found»: the topic is forgotten, both wait
    refused = [c for c in harness.calls_to(CHAT, "sendMessage") if c.error is not None]
    assert len(refused) == 1 and "message thread not found" in str(refused[0].error)
    new = await _ready(harness, t)
    assert new != thread
    assert len([c for c in harness.calls_to(CHAT, "createForumTopic") if c.error is None]) == 2
    assert any("📌" in (c.text or "") for c in _in_thread(harness, new))  # the card is in the new topic
    await harness.deliver()
    texts = [c.text or "" for c in _in_thread(harness, new) if "📌" not in (c.text or "")]  # not the card
    firsts = [i for i, x in enumerate(texts) if "Первое после удаления" in x]
    seconds = [i for i, x in enumerate(texts) if "Второе после удаления" in x]
    assert len(firsts) == 1 and len(seconds) == 1 and firsts[0] < seconds[0]


async def test_service_messages_in_topics_are_ignored(harness: BotHarness) -> None:
    t = await _setup(harness)
    thread = await _ready(harness, t)
    u = harness.updates
    where: dict[str, Any] = {"chat_type": "supergroup", "chat_id": CHAT, "message_thread_id": thread,
                             "is_topic_message": True}
    card = _in_thread(harness, thread)[-1].result
    pinned = Message.model_validate({**card.model_dump(), "chat": {"id": CHAT, "type": "supergroup", "title": "G"}})
    updates = [u.message(MEMBER, None, forum_topic_edited=ForumTopicEdited(name="переименовали"), **where),
               u.message(MEMBER, None, pinned_message=pinned, **where),
               u.message(OUTSIDER, None, new_chat_members=[u.user(OUTSIDER)], chat_type="supergroup", chat_id=CHAT),
               u.message(MEMBER, None, forum_topic_created=ForumTopicCreated(name="Своя тема", icon_color=7322096),
                         chat_type="supergroup", chat_id=CHAT, message_thread_id=thread + 100, is_topic_message=True)]
    for upd in updates:
        assert await harness.feed(upd) == []
    await harness.deliver()
    async with harness.root.session_factory() as s:
        assert (await s.scalars(select(Comment).where(Comment.ticket_id == t.id))).all() == []


async def test_plain_group_reply_to_the_card_reaches_the_user_with_the_name(harness: BotHarness) -> None:
    t = await _setup(harness, forum=False)
    await _sync(harness)
    assert harness.calls_to(PLAIN, "createForumTopic") == []
    posted = harness.last_call(PLAIN, "sendMessage")
    assert posted is not None and posted.params.get("message_thread_id") is None
    target = Message.model_validate({**posted.result.model_dump(),
                                     "chat": {"id": PLAIN, "type": "supergroup", "title": "Группа"}})
    await harness.send_text(MEMBER, "Проверьте, пожалуйста, ещё раз", chat_type="supergroup", chat_id=PLAIN,
                            reply_to_message=target)
    await harness.deliver()
    to_user = harness.last_text(USER) or ""
    assert "Проверьте, пожалуйста, ещё раз" in to_user and "Сотрудник 5202" in to_user
    assert t.number in to_user


async def test_a_card_posted_before_forum_mode_moves_into_a_topic_when_it_changes(harness: BotHarness) -> None:
    t = await _setup(harness)
    await chats.bind(uow=harness.root.uow(), chat_id=CHAT, group_code="line2", service_code=None, forum=False)
    await _sync(harness)
    general = harness.last_call(CHAT, "sendMessage")
    assert general is not None and general.params.get("message_thread_id") is None
    await chats.bind(uow=harness.root.uow(), chat_id=CHAT, group_code="line2", service_code=None, forum=True)
    await tickets.add_comment(uow=harness.root.uow(), ticket_id=t.id, actor=Actor("user", t.requester_id),
                              text="Есть новости?")
    thread = await _ready(harness, t)
    await harness.deliver()
    assert any("Есть новости?" in (c.text or "") and "📌" not in (c.text or "") for c in _in_thread(harness, thread))


async def test_a_forum_where_the_bot_cannot_make_topics_is_marked_broken_and_the_relay_kept(
        harness: BotHarness) -> None:
    t = await _setup(harness)
    harness.session.fail_next("createForumTopic", bad_request("Bad Request: not enough rights to create a topic"))
    await tickets.add_comment(uow=harness.root.uow(), ticket_id=t.id, actor=Actor("user", t.requester_id),
                              text="Есть новости?")
    await _sync(harness)
    async with harness.root.session_factory() as s:
        row = await chats.by_chat(s, CHAT)
        assert row is not None and row.status == "broken" and "Управление темами" in (row.reason or "")
    await harness.deliver()
    assert harness.calls_to(CHAT, "sendMessage") == []
    async with harness.root.session_factory() as s:
        ev = await s.scalar(select(OutboxEvent).where(OutboxEvent.topic == "ticket.comment"))
        assert ev is not None and ev.published_at is not None  # the event goes on ...
        kept = await s.scalar(select(Delivery).where(Delivery.event_id == ev.id, Delivery.chat_id == CHAT))
        assert kept is not None and (kept.error or "").startswith(HELD)  # ... its relay is kept for the chat


async def test_the_users_answer_to_a_question_appears_in_the_topic(harness: BotHarness) -> None:
    t = await _setup(harness)
    thread = await _ready(harness, t)
    async with harness.root.session_factory() as s:
        member = await s.scalar(select(Staff.id))
    for action, params in (("take", {}), ("request_info", {"text": "Какой номер наряда?"})):
        await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action=action,
                                   actor=Actor("staff", member), params=params)
    await harness.deliver()
    await harness.press(USER, TicketCb(action="answer", ticket_id=t.id))
    await harness.send_text(USER, "Наряд 778899")
    await harness.deliver()
    texts = [c.text or "" for c in _in_thread(harness, thread) if "📌" not in (c.text or "")]
    assert any("ответ на вопрос" in x and "Наряд 778899" in x for x in texts)


def _closes(h: BotHarness, thread: int) -> list[Call]:
    return [c for c in h.calls_to(CHAT, "closeForumTopic") if c.params.get("message_thread_id") == thread]


async def test_a_finished_tickets_topic_is_closed_once(harness: BotHarness) -> None:
    t = await _setup(harness)
    thread = await _ready(harness, t)
    assert _closes(harness, thread) == []  # an open ticket's topic stays open
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="cancel",
                               actor=Actor("user", t.requester_id))
    await _sync(harness)
    await _sync(harness)
    closes = _closes(harness, thread)
    assert len(closes) == 1 and closes[0].error is None
    assert (CHAT, thread) in harness.session.closed_topics
    assert (await _topic(harness, t.id)).closed
    edits = [c for c in harness.calls_to(CHAT, "editMessageText") if c.error is None]
    assert edits and "Отмен" in (edits[-1].text or "")  # the card shows the final status in the closed topic


async def test_a_topic_close_refused_with_429_is_retried_on_the_next_pass(harness: BotHarness) -> None:
    t = await _setup(harness)
    thread = await _ready(harness, t)
    harness.session.fail_next("closeForumTopic", lambda m: TelegramRetryAfter(
        method=m, message="Too Many Requests: retry after 3", retry_after=3))
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="cancel",
                               actor=Actor("user", t.requester_id))
    await _sync(harness)
    assert not (await _topic(harness, t.id)).closed
    await _sync(harness)
    await _sync(harness)
    assert [c.error is None for c in _closes(harness, thread)] == [False, True]
    assert (await _topic(harness, t.id)).closed


async def test_a_topic_closed_by_hand_is_noted_without_retrying(harness: BotHarness) -> None:
    t = await _setup(harness)
    thread = await _ready(harness, t)
    harness.session.closed_topics.add((CHAT, thread))  # someone closed it in Telegram before the ticket ended
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="cancel",
                               actor=Actor("user", t.requester_id))
    for _ in range(3):
        await _sync(harness)
    closes = _closes(harness, thread)
    assert len(closes) == 1 and "TOPIC_NOT_MODIFIED" in str(closes[0].error)
    assert (await _topic(harness, t.id)).closed


async def test_ticket_command_in_general_left_the_topics_card_stale(harness: BotHarness) -> None:
    # /ticket posted the card in General and made that the card the sync edits: the topic's card stopped changing
    t = await _setup(harness)
    thread = await _ready(harness, t)
    calls = await harness.send_text(MEMBER, f"/ticket {t.number}", chat_type="supergroup", chat_id=CHAT)
    posted = [c for c in calls if c.name == "sendMessage" and "📌" in (c.text or "")]
    assert len(posted) == 1 and posted[0].params.get("message_thread_id") == thread
    pointer = [c for c in calls if c.name == "sendMessage" and "внизу темы обращения" in (c.text or "")]
    assert len(pointer) == 1 and pointer[0].params.get("message_thread_id") is None
    async with harness.root.session_factory() as s:
        card = await s.get(TicketCard, t.id)
        assert card is not None and card.message_id == posted[0].result.message_id
        staff_id = (await s.scalars(select(Staff.id))).one()
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", staff_id))
    start = len(harness.sent)
    await _sync(harness)
    edits = [c for c in harness.sent[start:] if c.name == "editMessageText" and c.error is None]
    assert [c.params["message_id"] for c in edits] == [posted[0].result.message_id]  # in the topic


async def test_ticket_command_for_a_ticket_whose_topic_was_deleted_answered_something_went_wrong(
        harness: BotHarness) -> None:
    # Telegram answers «message thread not found» to a send into a deleted topic: /ticket let it out as the
    # generic «Что-то пошло не так» and the card stayed bound to the dead topic until the ticket next changed
    t = await _setup(harness)
    thread = await _ready(harness, t)
    harness.session.delete_topic(CHAT, thread)
    calls = await harness.send_text(MEMBER, f"/ticket {t.number}", chat_type="supergroup", chat_id=CHAT)
    said = [c.text or "" for c in calls if c.name == "sendMessage" and c.error is None]
    assert said == [f"Тема обращения {t.number} удалена в Telegram: бот создаст новую тему и опубликует карточку в "
                    "ней."]
    await _sync(harness)
    await _sync(harness)
    new_thread = (await _topic(harness, t.id)).thread_id
    assert new_thread is not None and new_thread != thread
    assert [c for c in _in_thread(harness, new_thread) if "📌" in (c.text or "")]

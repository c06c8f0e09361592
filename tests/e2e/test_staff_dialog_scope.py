"""A card button's dialog takes only what is written for its ticket: real Updates through the Dispatcher, the strict
fake Bot API. A staff member who pressed «Ответить пользователю» on ticket A and then wrote in ticket B's topic (or
replied to B's card in a plain group) had that text relayed to A's requester."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.types import CallbackQuery, Chat, InaccessibleMessage, Message, Update, User
from sqlalchemy import select

from bot.callbacks import CardCb
from bot.delivery.limiter import RateLimiter
from bot.staffchat.sync import sync_cards
from core.staffdesk import chats
from core.staffdesk.models import ForumTopic, TicketCard
from core.tickets.models import Comment, Ticket
from tests import factories as f
from tests.e2e.harness import BOT_ID, BotHarness

FORUM, PLAIN = -100_610, -100_620
MEMBER, ANNA, IVAN = 5611, 7611, 7612


async def _setup(h: BotHarness, chat: int, *, forum: bool) -> tuple[Ticket, Ticket]:
    async def _no_sleep(seconds: float) -> None:
        h.clock.advance(seconds)

    assert h.root.delivery is not None
    h.root.delivery.limiter = RateLimiter(clock=h.clock, sleep=_no_sleep)
    await f.staff(h.root, line="line2", tg_id=MEMBER)
    await chats.bind(uow=h.root.uow(), chat_id=chat, group_code="line2", service_code=None, forum=forum)
    if forum:
        h.session.forum(chat)
    else:
        h.session.chat_types[chat] = "supergroup"
    a = await f.incident(h.root, await f.user(h.root, tg_id=ANNA, login="u7611", full_name="Петрова Анна"))
    b = await f.incident(h.root, await f.user(h.root, tg_id=IVAN, login="u7612", full_name="Сидоров Иван"))
    for _ in range(4):  # two topics (each creation takes the chat's slot), then the two cards
        h.clock.advance(5)
        assert h.bot is not None
        await sync_cards(uow=h.root.uow, bot=h.bot, limiter=h.root.delivery.limiter, tz=h.root.tz)
    return a, b


async def _row(h: BotHarness, model: Any, ticket_id: int) -> Any:
    async with h.root.session_factory() as s:
        row = await s.get(model, ticket_id)
        assert row is not None
        return row


async def _press_reply(h: BotHarness, chat: int, t: Ticket, thread: int | None) -> None:
    """«💬 Ответить пользователю» on the card of `t` (in its topic when `thread`)."""
    card, ticket = await _row(h, TicketCard, t.id), await _row(h, Ticket, t.id)
    msg = Message(message_id=card.message_id, date=datetime.now(UTC), text="📌 карточка",
                  chat=Chat(id=chat, type="supergroup", title="2ЛТП", is_forum=thread is not None or None),
                  message_thread_id=thread, is_topic_message=thread is not None or None,
                  from_user=User(id=BOT_ID, is_bot=True, first_name="Support"))
    cq = CallbackQuery(id=f"cq-{t.id}", from_user=h.updates.user(MEMBER), chat_instance=f"ci{chat}", message=msg,
                       data=CardCb(a="reply", t=t.id, v=ticket.version).pack())
    calls = await h.feed(Update(update_id=next(h.updates._update_ids), callback_query=cq))
    assert any("Напишите ответ пользователю" in (c.text or "") for c in calls)


async def _comments(h: BotHarness) -> list[tuple[int, str]]:
    async with h.root.session_factory() as s:
        return [(c.ticket_id, c.text) for c in (await s.scalars(select(Comment).order_by(Comment.id))).all()]


async def _press_old(h: BotHarness, chat: int, t: Ticket, action: str) -> list[Any]:
    """A press on a card too old for Telegram to send with it: the query carries only its chat and id (date 0)."""
    card, ticket = await _row(h, TicketCard, t.id), await _row(h, Ticket, t.id)
    msg = InaccessibleMessage(chat=Chat(id=chat, type="supergroup", title="2ЛТП"), message_id=card.message_id, date=0)
    cq = CallbackQuery(id=f"cq-old-{t.id}-{action}", from_user=h.updates.user(MEMBER), chat_instance=f"ci{chat}",
                       message=msg, data=CardCb(a=action, t=t.id, v=ticket.version).pack())
    return await h.feed(Update(update_id=next(h.updates._update_ids), callback_query=cq))


async def _notes(h: BotHarness) -> list[tuple[int, str, bool]]:
    async with h.root.session_factory() as s:
        return [(c.ticket_id, c.text, c.public) for c in (await s.scalars(select(Comment).order_by(Comment.id))).all()]


async def test_a_card_dialog_took_a_message_in_another_tickets_topic_as_its_answer(harness: BotHarness) -> None:
    h = harness
    a, b = await _setup(h, FORUM, forum=True)
    topic_a, topic_b = (await _row(h, ForumTopic, a.id)).thread_id, (await _row(h, ForumTopic, b.id)).thread_id
    await _press_reply(h, FORUM, a, topic_a)
    # the person leaves A's dialog and answers Иван in B's topic: it is B's comment, not A's dialog answer
    await h.send_text(MEMBER, "Иван, перезагрузите роутер", chat_type="supergroup", chat_id=FORUM,
                      message_thread_id=topic_b, is_topic_message=True)
    assert await _comments(h) == [(b.id, "Иван, перезагрузите роутер")]
    # A's dialog still waits in A's topic and takes what is written there
    calls = await h.send_text(MEMBER, "Анна, проверьте ещё раз", chat_type="supergroup", chat_id=FORUM,
                              message_thread_id=topic_a, is_topic_message=True)
    assert await _comments(h) == [(b.id, "Иван, перезагрузите роутер"), (a.id, "Анна, проверьте ещё раз")]
    assert [c.params.get("message_thread_id") for c in calls if c.name == "sendMessage"] == [topic_a]


async def test_a_card_dialog_took_a_reply_to_another_tickets_card_as_its_answer(harness: BotHarness) -> None:
    h = harness
    a, b = await _setup(h, PLAIN, forum=False)
    await _press_reply(h, PLAIN, a, None)
    card_b = await _row(h, TicketCard, b.id)
    replied = Message(message_id=card_b.message_id, date=datetime.now(UTC), text="📌 карточка",
                      chat=Chat(id=PLAIN, type="supergroup", title="2ЛТП"),
                      from_user=User(id=BOT_ID, is_bot=True, first_name="Support"))
    calls = await h.send_text(MEMBER, "Иван, перезагрузите роутер", chat_type="supergroup", chat_id=PLAIN,
                              reply_to_message=replied)
    assert await _comments(h) == [(b.id, "Иван, перезагрузите роутер")]
    said = [c.text or "" for c in calls if c.name == "sendMessage"]
    assert f"Диалог по {a.number} отменён" in said[0] and "Отправлено пользователю" in said[-1]
    # the dialog is over: a plain message afterwards is chatter, it reaches nobody
    await h.send_text(MEMBER, "коллеги, я на обед", chat_type="supergroup", chat_id=PLAIN)
    assert len(await _comments(h)) == 1


async def test_a_press_on_a_card_too_old_to_be_sent_armed_a_dialog_without_asking(harness: BotHarness) -> None:
    # «📝 Заметка» answered the press and asked nothing: the person's next chatter in the group became the note
    h = harness
    a, _b = await _setup(h, PLAIN, forum=False)
    calls = await _press_old(h, PLAIN, a, "note")
    asked = [c for c in calls if c.name == "sendMessage" and c.error is None]
    assert len(asked) == 1 and "внутреннюю заметку" in (asked[0].text or "") and asked[0].chat_id == PLAIN
    calls = await _press_old(h, PLAIN, a, "assign")
    assert [c.text for c in calls if c.name == "sendMessage"] == ["Кому назначить?"]


async def test_a_note_pressed_on_a_card_too_old_to_be_sent_reached_the_requester(harness: BotHarness) -> None:
    # in a forum the old card's press carries no topic: the dialog waited in General, and the note typed in the
    # ticket's topic was taken as a plain topic message, a public reply to the requester
    h = harness
    a, _b = await _setup(h, FORUM, forum=True)
    topic_a = (await _row(h, ForumTopic, a.id)).thread_id
    calls = await _press_old(h, FORUM, a, "note")
    asked = [c for c in calls if c.name == "sendMessage" and c.error is None]
    assert len(asked) == 1 and asked[0].params.get("message_thread_id") == topic_a
    await h.send_text(MEMBER, "Клиент ругается, не звонить до обеда", chat_type="supergroup", chat_id=FORUM,
                      message_thread_id=topic_a, is_topic_message=True)
    assert await _notes(h) == [(a.id, "Клиент ругается, не звонить до обеда", False)]

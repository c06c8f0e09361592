"""Regression: a staff member's edit of a message already relayed to the user (in a ticket's topic, or a reply to
the card) was silently dropped — the user and the ticket kept the first version while the chat showed the new one."""

from __future__ import annotations

from aiogram.types import Message
from sqlalchemy import select

from core.tickets.models import Comment
from tests.e2e.harness import BotHarness, Call
from tests.e2e.test_staff_forum import MEMBER, PLAIN, USER, _ready, _setup, _staff_says, _sync

NOTICE = "Правка не учтена"


def _replies(calls: list[Call]) -> list[str]:
    return [c.text or "" for c in calls if c.name == "sendMessage" and c.error is None]


async def test_an_edited_topic_reply_is_said_to_reach_nobody_and_the_first_version_stays(
        harness: BotHarness) -> None:
    h = harness
    t = await _setup(h)
    thread = await _ready(h, t)
    await _staff_says(h, thread, "Перезапустили сервис, проверьте")
    [sent] = [m for m in h.updates.sent.values() if m.text == "Перезапустили сервис, проверьте"]
    calls = await h.feed(h.updates.edited(sent.message_id, "Перезапустили сервис выгрузки, проверьте"))
    [told] = _replies(calls)
    assert NOTICE in told and "первый вариант" in told
    [call] = [c for c in calls if c.name == "sendMessage"]
    assert call.params.get("message_thread_id") == thread  # said in the topic, under the edited message
    await h.deliver()
    assert any("Перезапустили сервис, проверьте" in x for x in h.texts(USER))
    assert all("выгрузки" not in x for x in h.texts(USER))
    async with h.root.session_factory() as s:
        assert (await s.scalars(select(Comment.text).where(Comment.ticket_id == t.id))).all() == [
            "Перезапустили сервис, проверьте"]


async def test_an_edited_reply_to_the_card_in_a_plain_group_is_answered_other_chatter_is_not(
        harness: BotHarness) -> None:
    h = harness
    await _setup(h, forum=False)
    await _sync(h)
    posted = h.last_call(PLAIN, "sendMessage")
    assert posted is not None
    card = Message.model_validate({**posted.result.model_dump(),
                                   "chat": {"id": PLAIN, "type": "supergroup", "title": "Группа"}})
    reply = h.updates.message(MEMBER, "Проверьте ещё раз", chat_type="supergroup", chat_id=PLAIN,
                              reply_to_message=card)
    await h.feed(reply)
    chatter = h.updates.message(MEMBER, "Кто сегодня дежурит?", chat_type="supergroup", chat_id=PLAIN)
    await h.feed(chatter)
    assert reply.message is not None and chatter.message is not None
    [told] = _replies(await h.feed(h.updates.edited(reply.message.message_id, "Проверьте ещё раз, пожалуйста")))
    assert NOTICE in told
    assert _replies(await h.feed(h.updates.edited(chatter.message.message_id, "Кто завтра дежурит?"))) == []


async def test_an_edited_card_dialog_answer_typed_without_replying_is_answered(harness: BotHarness) -> None:
    # regression: in a group without topics an answer to «💬 Ответить пользователю» (or «❓ Спросить», the
    # resolution form) typed without replying to the prompt went to the user, and its edit got no notice
    from tests.e2e.test_staff_card import CHAT, G, _press
    from tests.e2e.test_staff_card import MEMBER as CARD_MEMBER
    from tests.e2e.test_staff_card import _setup as _card_setup
    from tests.e2e.test_staff_card import _sync as _card_sync

    h = harness
    t, _ = await _card_setup(h)
    await _card_sync(h)
    await _press(h, CARD_MEMBER, "take", t)
    await _press(h, CARD_MEMBER, "ask", t)
    asked = h.updates.message(CARD_MEMBER, "Пришлите номер лицевого счёта", **G)
    await h.feed(asked)
    chatter = h.updates.message(CARD_MEMBER, "Пойду за кофе", **G)
    await h.feed(chatter)
    assert asked.message is not None and chatter.message is not None
    [told] = _replies(await h.feed(h.updates.edited(asked.message.message_id, "Пришлите номер договора")))
    assert NOTICE in told
    assert _replies(await h.feed(h.updates.edited(chatter.message.message_id, "Пойду за чаем"))) == []
    # the dialog ended and a new one starts as before: the kept ids do not make it think it is still asking
    await _press(h, CARD_MEMBER, "note", t)
    await h.send_text(CARD_MEMBER, "Клиент VIP", **G)
    assert "Заметка сохранена" in (h.last_text(CHAT) or "")

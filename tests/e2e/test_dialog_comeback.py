"""Regression: a user who blocked the bot while a ticket was open, and unblocked it, was never told what happened
meanwhile (the refused notice is given up and later ones are not planned for an unreachable user)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import Chat, ChatMemberBanned, ChatMemberMember, ChatMemberUpdated, Update

from core.tickets import service as tickets
from core.tickets.lifecycle import Actor
from tests import factories as f
from tests.e2e.dialogs import db_user, onboard
from tests.e2e.harness import BOT_ID, BotHarness

UID = 7961


def _bot_status(h: BotHarness, uid: int, *, old: str, new: str) -> Update:
    """my_chat_member in the user's private chat: they block (member → kicked) or unblock (kicked → member)."""
    bot = h.updates.user(BOT_ID)
    member = {"member": ChatMemberMember(user=bot), "kicked": ChatMemberBanned(user=bot, until_date=0)}
    upd = ChatMemberUpdated(chat=Chat(id=uid, type="private", first_name="Пётр"), from_user=h.updates.user(uid),
                            date=datetime.now(UTC), old_chat_member=member[old], new_chat_member=member[new])
    return Update(update_id=next(h.updates._update_ids), my_chat_member=upd)


async def test_unblocking_tells_the_state_of_the_tickets_changed_meanwhile(harness: BotHarness) -> None:
    h = harness
    await onboard(h, UID)
    ticket = await f.incident(h.root, await db_user(h, UID))
    staff = await f.staff(h.root, line="line2", tg_id=5961)
    await h.deliver()
    h.session.block(UID)
    assert await h.feed(_bot_status(h, UID, old="member", new="kicked")) == []
    await tickets.apply_action(uow=h.root.uow(), ticket_id=ticket.id, action="take", actor=Actor("staff", staff.id),
                               params={})
    await h.deliver()
    assert (await db_user(h, UID)).unreachable  # the notice was refused and given up

    h.session.rules.blocked.discard(UID)
    calls = await h.feed(_bot_status(h, UID, old="kicked", new="member"))
    [told] = [c for c in calls if c.name == "sendMessage" and c.error is None]
    assert "С возвращением" in (told.text or "") and ticket.number in (told.text or "")
    assert "в работе" in (told.text or "")
    assert any(ticket.number in b for row in h.buttons(told) for b in row)  # opens the ticket
    assert not (await db_user(h, UID)).unreachable


async def test_unblocking_without_a_ticket_says_nothing(harness: BotHarness) -> None:
    h = harness
    await onboard(h, UID + 1)
    assert await h.feed(_bot_status(h, UID + 1, old="kicked", new="member")) == []


async def test_unblocking_after_nothing_was_missed_sends_no_list(harness: BotHarness) -> None:
    # regression: the list went to everyone who unblocked the bot, though no notice had been refused meanwhile
    h = harness
    await onboard(h, UID + 2)
    await f.incident(h.root, await db_user(h, UID + 2))
    await h.deliver()
    h.session.block(UID + 2)
    await h.feed(_bot_status(h, UID + 2, old="member", new="kicked"))
    await h.deliver()  # nothing to send while blocked
    h.session.rules.blocked.discard(UID + 2)
    assert [c for c in await h.feed(_bot_status(h, UID + 2, old="kicked", new="member"))
            if c.name == "sendMessage"] == []
    assert not (await db_user(h, UID + 2)).unreachable

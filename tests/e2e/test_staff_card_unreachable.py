"""Regression: a requester who blocked the bot looked like any other on the ticket's card — the line asked them
questions (the SLA clock stopped «until they answer») that could never reach them, and nobody was told."""

from __future__ import annotations

from core.tickets import service as tickets
from core.tickets.lifecycle import Actor
from tests import factories
from tests.e2e.dialogs import db_user
from tests.e2e.harness import BotHarness
from tests.e2e.test_staff_forum import PLAIN, USER, _setup, _sync

WARNING = "Заявитель заблокировал бота"


def _card(h: BotHarness) -> str:
    texts = [c.text or "" for c in h.calls_to(PLAIN) if c.error is None and c.name in ("sendMessage", "editMessageText")
             and "📌" in (c.text or "")]
    return texts[-1]


async def test_the_card_says_the_requester_blocked_the_bot_until_they_are_back(harness: BotHarness) -> None:
    h = harness
    t = await _setup(h, forum=False)
    await _sync(h)
    assert WARNING not in _card(h)
    h.session.block(USER)
    staff = await factories.staff(h.root, line="line2", tg_id=5977)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", staff.id),
                               params={})
    await _sync(h)  # the card shows the take before the notice is even tried
    assert WARNING not in _card(h) and "В работе" in _card(h)
    await h.deliver()  # «взято в работу» is refused with 403: the requester is marked unreachable
    assert (await db_user(h, USER)).unreachable
    await _sync(h)
    assert WARNING in _card(h) and "свяжитесь другим способом" in _card(h)

    h.session.rules.blocked.discard(USER)
    await h.send_text(USER, "/my")  # they are back
    await _sync(h)
    assert WARNING not in _card(h)

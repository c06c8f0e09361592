"""An outage from declaration to restoration: chats (pinned), managers and audience told; a linked report; an
update to everyone told; restoration resolves the linked tickets («Решено» to the requester), unpins."""

from __future__ import annotations

from core.outages import service as outages
from core.outages import subscriptions
from core.staffdesk.models import ALL_SERVICES, LineChat
from core.tickets.models import Ticket
from tests import factories as f
from tests.e2e.broadcast_kit import run_until_done, sender
from tests.e2e.harness import BotHarness

LINE1, LINE2 = -100_101, -100_102


async def _chats(h: BotHarness) -> None:
    async with h.root.session_factory() as s:
        s.add_all([LineChat(chat_id=LINE1, group_code="line1", service_code=ALL_SERVICES),
                   LineChat(chat_id=LINE2, group_code="line2", service_code=ALL_SERVICES)])
        await s.commit()


def _texts(h: BotHarness, chat: int, start: int = 0) -> list[str]:
    return [c.text or "" for c in h.session.calls[start:] if c.chat_id == chat and c.name == "sendMessage"
            and c.error is None]


async def test_declare_link_update_restore(harness: BotHarness) -> None:
    h, root = harness, harness.root
    await _chats(h)
    manager = await f.staff(root, line="line2", tg_id=5001, manager=True)
    reporter = await f.user(root, tg_id=2001, login="reporter")
    await f.incident(root, reporter, service="nttm")
    subscriber = await f.user(root, tg_id=2002, login="subscriber")
    await subscriptions.set_subscription(uow=root.uow(), user_id=subscriber.id, service_code="nttm", on=True)
    added = await f.user(root, tg_id=2003, login="added", email="added@example.ru")
    res = await subscriptions.add_audience_csv(uow=root.uow(), service_code="nttm",
                                               csv_text="login\nADDED@example.ru\nnobody\n")
    assert (res.added, res.unknown) == (1, ["nobody"])
    other = await f.user(root, tg_id=2004, login="other")
    await f.incident(root, other, service="clm")
    assert await root.outages_provider(reporter) is None  # type: ignore[misc]

    o, _ = await outages.declare(uow=root.uow(), services=["nttm"], title="Не открываются наряды",
                                 what="Карточка наряда <пустая>", declared_by="1ЛТП Петров", tz=root.tz)
    snd = sender(h)
    await run_until_done(snd, h)
    for chat in (LINE1, LINE2, manager.user.tg_id, 2001, 2002, 2003):
        assert any("Не открываются наряды" in t for t in _texts(h, chat)), chat
    assert not _texts(h, 2004)  # another service's user hears nothing
    pins = {c.chat_id for c in h.session.calls if c.name == "pinChatMessage"}
    assert pins == {LINE1, LINE2}
    assert "&lt;пустая&gt;" in _texts(h, 2001)[0]
    menu = await root.outages_provider(reporter)  # type: ignore[misc]
    assert menu is not None and "Не открываются наряды" in menu
    assert added.id and other.id

    # a new report by the reporter, linked by staff
    t2 = await f.incident(root, reporter, service="nttm")
    await outages.link_ticket(uow=root.uow(), outage_id=o.id, ticket_id=t2.id)

    mark = len(h.session.calls)
    await outages.update_outage(uow=root.uow(), outage_id=o.id, details="Нашли причину, чиним",
                                expected_at=None, tz=root.tz)
    await run_until_done(snd, h)
    told = {c.chat_id for c in h.session.calls[mark:]
            if c.name == "sendMessage" and "Нашли причину" in (c.text or "")}
    assert told == {LINE1, LINE2, manager.user.tg_id, 2001, 2002, 2003}

    mark = len(h.session.calls)
    o, _, linked = await outages.restore(uow=root.uow(), outage_id=o.id, resolution="Перезапустили сервис",
                                         restored_by="1ЛТП Петров", tz=root.tz)
    assert linked == [t2.id]
    done, skipped = await outages.resolve_linked(uow_factory=root.uow, ticket_ids=linked, staff_id=manager.id,
                                                 resolution="Перезапустили сервис")
    assert (done, skipped) == ([t2.id], {})
    await run_until_done(snd, h)
    told = {c.chat_id for c in h.session.calls[mark:] if c.name == "sendMessage"
            and "восстановлена" in (c.text or "")}
    assert told == {LINE1, LINE2, manager.user.tg_id, 2001, 2002, 2003}
    assert {c.chat_id for c in h.session.calls[mark:] if c.name == "unpinChatMessage"} == {LINE1, LINE2}
    await h.deliver()
    resolved = [t for t in _texts(h, 2001, mark) if "решено" in t.lower() and t2.number in t]
    assert resolved and "Перезапустили сервис" in resolved[0]
    async with root.session_factory() as s:
        t = await s.get(Ticket, t2.id)
        assert t is not None and t.status == "resolved"
    assert await root.outages_provider(reporter) is None  # type: ignore[misc]
    rows = await outages.report(uow=root.uow())
    assert rows[0].linked_tickets == [t2.id] and rows[0].notices_sent == 18 and rows[0].restored_by

"""Issue 10, access requests and the МРФ curator (003 «Предоставление доступа к системе»): the request waits for
the curator of the requester's МРФ (a private message with approve / reject), approved it reaches line 1's queue,
rejected it is closed with the reason told to the requester; a МРФ without a curator: line 1 is told."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.callbacks import ApproveCb
from bot.staffchat.sync import sync_cards
from core.catalog import service as catalog
from core.errors import Conflict
from core.outbox.models import OutboxEvent
from core.staffdesk import chats
from core.staffdesk.models import TicketCard
from core.tickets import service as tickets
from core.tickets.models import Ticket, TicketHistory
from tests import factories as f
from tests.e2e.harness import BotHarness

L1CHAT = -100_510
USER, CURATOR, AGENT, OTHER_CURATOR = 7510, 5511, 5512, 5513
G = {"chat_type": "supergroup", "chat_id": L1CHAT}


async def _setup(h: BotHarness, *, region: str = "МРФ Центр", user_locale: str = "ru",
                 curator_locale: str = "ru") -> tuple[Any, dict[str, int]]:
    nttm = ["nttm"]  # the system they curate (003: «Список кураторов от МРФ по Системе»)
    staff = {"curator": (await catalog.create_staff(uow=h.root.uow(), line_code="line1", curator_region="мрф центр ",
                                                    curator_services=nttm,
                                                    user={"tg_id": CURATOR, "full_name": "Куратор Центра"})).id,
             "other": (await catalog.create_staff(uow=h.root.uow(), line_code="line1", curator_region="МРФ Юг",
                                                  curator_services=nttm,
                                                  user={"tg_id": OTHER_CURATOR, "full_name": "Куратор Юга"})).id,
             "agent": (await f.staff(h.root, line="line1", tg_id=AGENT)).id}
    await catalog.upsert_user(uow=h.root.uow(), tg_id=CURATOR, locale=curator_locale)
    await chats.bind(uow=h.root.uow(), chat_id=L1CHAT, group_code="line1", service_code=None)
    h.session.chat_types[L1CHAT] = "supergroup"
    user = await f.user(h.root, tg_id=USER, login="p.petrov", full_name="Петров Пётр", region=region,
                        locale=user_locale)
    return user, staff


async def _access_request(h: BotHarness, user: Any) -> Ticket:
    return await tickets.register(uow=h.root.uow(), service_code="nttm", request_type="access_request", priority=3,
                                  requester_id=user.id, fields={"full_name": user.full_name, "login": user.login,
                                                                "role": "оператор", "region": user.region})


async def _ticket(h: BotHarness, ticket_id: int) -> Ticket:
    async with h.root.session_factory() as s:
        t = await s.get(Ticket, ticket_id)
        assert t is not None
        return t


async def _history(h: BotHarness, ticket_id: int) -> list[str]:
    async with h.root.session_factory() as s:
        return list((await s.scalars(select(TicketHistory.action).where(TicketHistory.ticket_id == ticket_id)
                                     .order_by(TicketHistory.id))).all())


async def _topics(h: BotHarness, ticket_id: int) -> list[str]:
    async with h.root.session_factory() as s:
        return list((await s.scalars(select(OutboxEvent.topic).where(OutboxEvent.ticket_id == ticket_id)
                                     .order_by(OutboxEvent.id))).all())


async def _sync(h: BotHarness) -> Any:
    assert h.root.delivery is not None and h.bot is not None
    return await sync_cards(uow=h.root.uow, bot=h.bot, limiter=h.root.delivery.limiter, tz=h.root.tz)


async def test_access_request_approved_by_the_curator_reaches_line1s_queue(harness: BotHarness) -> None:
    user, staff = await _setup(harness)
    t = await _access_request(harness, user)
    assert (await _ticket(harness, t.id)).approval == "pending"
    await harness.deliver()
    ask = harness.last_call(CURATOR, with_inline=True)
    assert ask is not None and "ждёт вашего согласования" in (ask.text or "") and (t.number or "") in (ask.text or "")
    assert "оператор" in (ask.text or "") and harness.buttons(ask) == [["✅ Согласовать", "❌ Отказать"]]
    assert not harness.calls_to(OTHER_CURATOR)  # another МРФ's curator is not asked
    # awaiting the curator: no card in line 1's chat, not in its queue, nobody of line 1 can take it
    assert (await _sync(harness)).posted == 0
    assert (t.number or "") not in (harness.texts(L1CHAT)[-1] if harness.texts(L1CHAT) else "")
    queue = [c.text or "" for c in await harness.send_text(AGENT, "/queue", **G) if c.name == "sendMessage"]
    assert queue and (t.number or "") not in queue[-1]
    with pytest.raises(Conflict):
        await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="take",
                                   actor=tickets.Actor("staff", staff["agent"]))
    # the requester sees where it is
    theirs = [c.text or "" for c in await harness.send_text(USER, "/my") if c.name == "sendMessage"]
    assert any("ждёт согласования куратора МРФ" in x for x in theirs)
    # the curator's /queue lists what waits for them
    mine = [c.text or "" for c in await harness.send_text(CURATOR, "/queue") if c.name == "sendMessage"]
    assert any("Запросы доступа на согласовании" in x and (t.number or "") in x for x in mine)
    # another region's curator cannot decide
    refused = await harness.press(OTHER_CURATOR, ApproveCb(a="ok", t=t.id), message_id=ask.result.message_id)
    assert "куратор МРФ заявителя" in [c for c in refused if c.name == "answerCallbackQuery"][-1].params["text"]
    calls = await harness.press(CURATOR, harness.button(CURATOR, "Согласовать"))
    assert any(c.name == "editMessageText" and "согласован" in (c.text or "") for c in calls)
    done = await _ticket(harness, t.id)
    assert done.approval == "approved" and done.status == "assigned" and done.line == "line1"
    assert await _history(harness, t.id) == ["register", "curator_approve"]
    assert "curator.approved" in await _topics(harness, t.id)
    await harness.deliver()
    assert "согласован куратором МРФ" in (harness.last_text(USER) or "")
    assert (await _sync(harness)).posted == 1  # now line 1 gets the card
    queue2 = [c.text or "" for c in await harness.send_text(AGENT, "/queue", **G) if c.name == "sendMessage"]
    assert (t.number or "") in queue2[-1]
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="take",
                               actor=tickets.Actor("staff", staff["agent"]))
    again = await harness.press(CURATOR, ApproveCb(a="ok", t=t.id), message_id=ask.result.message_id)
    assert "уже рассмотрен" in [c for c in again if c.name == "answerCallbackQuery"][-1].params["text"]


async def test_access_request_rejected_by_the_curator_is_closed_with_the_reason_told(harness: BotHarness) -> None:
    user, _ = await _setup(harness)
    t = await _access_request(harness, user)
    await harness.deliver()
    await harness.press(CURATOR, harness.button(CURATOR, "Отказать"))
    assert "причину отказа" in (harness.last_text(CURATOR) or "")
    await harness.send_text(CURATOR, "   ")  # blank: asked again, nothing decided
    assert (await _ticket(harness, t.id)).approval == "pending"
    await harness.send_text(CURATOR, "Роль оператора <b>не положена</b> вашему отделу")
    assert "отклонён" in (harness.last_text(CURATOR) or "")
    done = await _ticket(harness, t.id)
    assert (done.status, done.approval, done.closed_at is not None) == ("closed", "rejected", True)
    assert done.solution == "Роль оператора <b>не положена</b> вашему отделу"
    assert await _history(harness, t.id) == ["register", "curator_reject"]
    await harness.deliver()
    told = harness.last_text(USER) or ""
    assert "отказано куратором МРФ" in told and "&lt;b&gt;не положена&lt;/b&gt;" in told  # the reason, escaped
    async with harness.root.session_factory() as s:
        assert await s.get(TicketCard, t.id) is None  # never a card for a request line 1 never had
    # the requester's history names it
    mine = [c.text or "" for c in await harness.send_text(USER, "/my") if c.name == "sendMessage"]
    assert any((t.number or "") in x for x in mine)


async def test_no_curator_for_the_region_line1_is_told_and_the_request_is_queued(harness: BotHarness) -> None:
    user, _ = await _setup(harness, region="МРФ Сибирь")
    t = await _access_request(harness, user)
    assert (await _ticket(harness, t.id)).approval == "no_curator"
    await harness.deliver()
    told = [x for x in harness.texts(L1CHAT) if "нет куратора" in x]
    assert len(told) == 1 and "МРФ Сибирь" in told[0] and (t.number or "") in told[0]
    # the queue it waits in by the group's name, not its code; the admin hint stays
    assert "группы «1ЛТП (Service Desk)»" in told[0] and "«line1»" not in told[0], told[0]
    assert "PATCH /api/v1/staff/{id}, curator_region" in told[0]
    assert not harness.calls_to(CURATOR) and not harness.calls_to(OTHER_CURATOR)
    queue = [c.text or "" for c in await harness.send_text(AGENT, "/queue", **G) if c.name == "sendMessage"]
    assert (t.number or "") in queue[-1]


async def test_curator_and_requester_read_english(harness: BotHarness) -> None:
    user, _ = await _setup(harness, user_locale="en", curator_locale="en")
    t = await _access_request(harness, user)
    await harness.deliver()
    ask = harness.last_call(CURATOR, with_inline=True)
    assert ask is not None and "awaits your approval as the regional curator" in (ask.text or "")
    assert harness.buttons(ask) == [["✅ Approve", "❌ Reject"]]
    await harness.press(CURATOR, harness.button(CURATOR, "Reject"), language_code="en")
    assert "reason for the refusal" in (harness.last_text(CURATOR) or "")
    await harness.send_text(CURATOR, "Not your department", language_code="en")
    await harness.deliver()
    assert "refused access request" in (harness.last_text(USER) or "") and "Not your department" in (
        harness.last_text(USER) or "")
    assert (await _ticket(harness, t.id)).status == "closed"


async def test_access_request_waiting_for_the_curator_says_so_at_registration_not_deadlines(
        harness: BotHarness) -> None:
    # The user was told «Специалист возьмёт его в работу» and the deadlines of a clock that waits for the curator;
    # the curator is written without «МРФ», as an administrator does («Волга»), the profile has «МРФ Волга».
    from tests.e2e.dialogs import answer_every_step, onboard, tap

    h, uid = harness, 7590
    await catalog.create_staff(uow=h.root.uow(), line_code="line1", curator_region="Волга",
                               curator_services=["nttm"],
                               user={"tg_id": 5590, "full_name": "Куратор Волги"})
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Предоставление доступа")
    await answer_every_step(h, uid)
    async with h.root.session_factory() as s:
        [ticket] = (await s.scalars(select(Ticket))).all()
    assert ticket.approval == "pending"
    last = h.last_text(uid) or ""
    assert f"Обращение <b>{ticket.number}</b> зарегистрировано" in last
    assert "согласует куратор вашего МРФ" in last and "Ответим" not in last


async def test_a_curator_could_not_follow_the_requests_of_their_mrf(harness: BotHarness) -> None:
    # 003 «Мониторинг хода работ по обработке обращений»: «Мониторинг по разрешению обращений осуществляет Куратор
    # МРФ»: a curator saw only the access requests awaiting them, nothing of how their МРФ's requests went
    user, staff = await _setup(harness)
    south = await f.user(harness.root, tg_id=7511, login="s.south", region="МРФ Юг")
    mine = await f.incident(harness.root, user, priority=2)
    done = await f.incident(harness.root, user)
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=done.id, action="close",
                               actor=tickets.Actor("staff", staff["agent"]), params={"text": "Готово", **f.CLOSING})
    theirs = await f.incident(harness.root, south)
    texts = [c.text or "" for c in await harness.send_text(CURATOR, "/queue") if c.name == "sendMessage"]
    region = [x for x in texts if "Обращения вашего МРФ в работе" in x]
    assert len(region) == 1 and (mine.number or "") in region[0], texts
    assert (done.number or "") not in region[0] and (theirs.number or "") not in region[0]
    agent = [c.text or "" for c in await harness.send_text(AGENT, "/queue") if c.name == "sendMessage"]
    assert not any("вашего МРФ" in x for x in agent)  # not a curator: no such list

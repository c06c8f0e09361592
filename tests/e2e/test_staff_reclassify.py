"""«🔀 Сменить услугу» on a line-1 card: line 1 moves a misfiled ticket to its right service and type from the
chat (003), through the same use case as the admin API; routing follows. Real Updates, the strict fake Bot API."""

from __future__ import annotations

from typing import Any

from bot.callbacks import CardCb
from bot.delivery.limiter import RateLimiter
from bot.staffchat.sync import sync_cards
from core.catalog.models import Service
from core.staffdesk import chats
from core.staffdesk.models import TicketCard
from core.tickets import service as tickets
from core.tickets.models import Ticket, TicketHistory
from tests import factories as f
from tests.e2e.harness import BotHarness

L1CHAT, L2CHAT = -100_610, -100_620
USER, DESK, ENGINEER = 7610, 5610, 5620
ACCESS = {"full_name": "Орлова Вера", "login": "v.orlova", "role": "оператор", "region": "Центр"}


async def _setup(h: BotHarness) -> Ticket:
    async def _no_sleep(seconds: float) -> None:
        h.clock.advance(seconds)

    assert h.root.delivery is not None
    h.root.delivery.limiter = RateLimiter(clock=h.clock, sleep=_no_sleep)
    await f.staff(h.root, line="line1", tg_id=DESK)
    await f.staff(h.root, line="line2", tg_id=ENGINEER)
    await chats.bind(uow=h.root.uow(), chat_id=L1CHAT, group_code="line1", service_code=None)
    await chats.bind(uow=h.root.uow(), chat_id=L2CHAT, group_code="line2", service_code=None)
    user = await f.user(h.root, tg_id=USER, login="u7610", full_name="Орлова Вера")
    # filed as an access request to NTTM (line 1's queue), but it is an NTTM incident
    return await tickets.register(uow=h.root.uow(), service_code="nttm", request_type="access_request", priority=3,
                                  requester_id=user.id, fields=ACCESS)


async def _sync(h: BotHarness) -> None:
    assert h.root.delivery is not None and h.bot is not None
    h.clock.advance(5)
    await sync_cards(uow=h.root.uow, bot=h.bot, limiter=h.root.delivery.limiter, tz=h.root.tz)


async def _ticket(h: BotHarness, ticket_id: int) -> Ticket:
    async with h.root.session_factory() as s:
        t = await s.get(Ticket, ticket_id)
        assert t is not None
        return t


def _labels(h: BotHarness, call: Any) -> list[str]:
    return [label for row in h.buttons(call) for label in row]


def _last_in(h: BotHarness, chat: int) -> Any:
    calls = [c for c in h.calls_to(chat) if c.error is None and c.name in ("sendMessage", "editMessageText")]
    return calls[-1]


async def test_line1_moves_a_misfiled_ticket_to_its_service_and_type_from_the_card(harness: BotHarness) -> None:
    h = harness
    t = await _setup(h)
    await _sync(h)
    card = _last_in(h, L1CHAT)
    assert "🔀 Сменить услугу" in _labels(h, card)
    async with h.root.session_factory() as s:
        row = await s.get(TicketCard, t.id)
        assert row is not None and row.message_id is not None
        nttm = (await s.execute(Service.__table__.select().where(Service.code == "nttm"))).one()
    g = {"chat_type": "supergroup", "chat_id": L1CHAT}
    await h.press(DESK, CardCb(a="rcl", t=t.id, v=(await _ticket(h, t.id)).version), message_id=row.message_id, **g)
    services = _last_in(h, L1CHAT)
    assert services.text == "Какая услуга на самом деле?" and "NTTM" in _labels(h, services)
    await h.press(DESK, h.button_data(services)["NTTM"], message_id=services.result.message_id, **g)
    types = _last_in(h, L1CHAT)
    assert types.name == "editMessageText" and "Инцидент (что-то не работает)" in _labels(h, types)
    assert all(len(d.encode()) <= 64 for d in h.button_data(types).values())  # Telegram's callback data limit
    await h.press(DESK, h.button_data(types)["Инцидент (что-то не работает)"], message_id=types.result.message_id, **g)
    moved = await _ticket(h, t.id)
    assert (moved.service_id, moved.type, moved.line) == (nttm.id, "incident", "line2")
    assert "Переклассифицировано" in (_last_in(h, L1CHAT).text or "")
    async with h.root.session_factory() as s:
        history = (await s.execute(TicketHistory.__table__.select().where(
            TicketHistory.ticket_id == t.id, TicketHistory.action == "reclassify"))).all()
    assert len(history) == 1
    # an incident needs the steps and results the access request lacks: the requester is asked and the ticket waits
    assert moved.status == "waiting_user"
    await h.deliver()
    asked = [c for c in h.calls_to(USER, "sendMessage") if "не хватает сведений" in (c.text or "")]
    assert asked and "Шаги воспроизведения" in (asked[-1].text or "") and ["Ответить"] in h.buttons(asked[-1])
    await _sync(h)
    assert any("📌" in (c.text or "") and c.error is None for c in h.calls_to(L2CHAT, "sendMessage"))


async def test_line2_cards_have_no_reclassify_button_and_line2_cannot_press_it(harness: BotHarness) -> None:
    h = harness
    user = await f.user(h.root, tg_id=USER + 1, login="u7611")
    await _setup(h)
    t2 = await f.incident(h.root, user)  # NTTM incident: line 2's queue
    await _sync(h)
    await _sync(h)
    l2_cards = [c for c in h.calls_to(L2CHAT, "sendMessage") if "📌" in (c.text or "") and c.error is None]
    assert l2_cards and "🔀 Сменить услугу" not in _labels(h, l2_cards[-1])
    g = {"chat_type": "supergroup", "chat_id": L2CHAT}
    version = (await _ticket(h, t2.id)).version
    await h.press(ENGINEER, CardCb(a="rcl", t=t2.id, v=version), message_id=l2_cards[-1].result.message_id, **g)
    await h.press(ENGINEER, f"cp:rtype:{t2.id}:{version}:1|consultation", message_id=l2_cards[-1].result.message_id,
                  **g)
    assert (await _ticket(h, t2.id)).type == "incident"  # a forged press changes nothing: line 1's right

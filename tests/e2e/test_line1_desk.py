"""Line 1's desk end to end: a call registered for a bot user is in their «Мои обращения» and reaches them in
Telegram; a removed staff member's tickets are back in the queue, the coordinator and the requester told."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from admin_api.app import create_app
from admin_api.deps import ApiServices
from core.tickets.models import Ticket
from tests import factories as f
from tests.conftest import ADMIN_TOKEN
from tests.e2e.dialogs import db_user, onboard
from tests.e2e.harness import BotHarness
from tests.e2e.staff_helpers import staff

CALLER, COORDINATOR, MEMBER, REQUESTER = 7401, 8401, 8402, 7402


@pytest.fixture
async def api(harness: BotHarness) -> AsyncIterator[httpx.AsyncClient]:
    root = harness.root
    app = create_app(ApiServices(settings=root.settings, uow=root.uow, tz=root.tz, kb=root.kb))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test/api/v1",
                                 headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as c:
        yield c


async def test_a_phone_registration_lands_in_the_bot_users_requests_and_reaches_them(
        harness: BotHarness, api: httpx.AsyncClient) -> None:
    h = harness
    await onboard(h, CALLER, name="Петров Пётр Петрович", login="p.petrov")
    me = await db_user(h, CALLER)
    line1 = await staff(h, 8403, line="line1")
    r = await api.post("/tickets", json={
        "service": "nttm", "type": "incident", "priority": 3, "channel": "phone", "staff_id": line1.id,
        "requester": {"full_name": "Петров П.", "login": "P.PETROV"}, "fields": dict(f.INCIDENT_FIELDS)})
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert ticket["requester_id"] == me.id and ticket["requester"]["telegram"] is True
    assert ticket["requester"]["full_name"] == "Петров Пётр Петрович"  # their own profile, not the call's spelling
    await h.deliver()
    assert any(ticket["number"] in t and "зарегистрировано" in t for t in h.texts(CALLER))
    await h.send_text(CALLER, "📋 Мои обращения")
    assert ticket["number"] in (h.last_text(CALLER) or "")
    member = await staff(h, 8404)
    took = await api.post(f"/tickets/{ticket['id']}/actions", json={"action": "take", "staff_id": member.id})
    assert took.status_code == 200
    await h.deliver()
    assert f"Обращение <b>{ticket['number']}</b> взято в работу." in h.texts(CALLER)


async def test_a_removed_staff_members_tickets_go_back_to_the_queue(harness: BotHarness,
                                                                    api: httpx.AsyncClient) -> None:
    h = harness
    await staff(h, COORDINATOR, is_coordinator=True)
    member = await staff(h, MEMBER)
    u = await f.user(h.root, tg_id=REQUESTER, login=f"u{REQUESTER}")
    t = await f.incident(h.root, u, actual="Не сохраняется карточка")
    assert (await api.post(f"/tickets/{t.id}/actions", json={"action": "take", "staff_id": member.id})).is_success
    await h.deliver()
    told = len(h.texts(REQUESTER))
    assert (await api.delete(f"/staff/{member.id}")).status_code == 204
    async with h.root.session_factory() as s:
        back = await s.get(Ticket, t.id)
        assert back is not None and (back.status, back.assignee_id) == ("assigned", None)
    await h.deliver()
    assert h.texts(COORDINATOR) == [f"Обращение <b>{t.number}</b> P3 «Не сохраняется карточка» вернулось в очередь "
                                    "группы: его исполнитель удалён из поддержки."]
    assert h.texts(MEMBER) == []  # the one who left is not told
    assert "передали другим специалистам" in h.texts(REQUESTER)[told]
    listed = (await api.get("/tickets", params={"status": "assigned", "line": "line2"})).json()["items"]
    assert [x["id"] for x in listed] == [t.id]

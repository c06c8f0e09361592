"""Line 1 corrects a misfiled ticket (service, type, the development group; routing and SLA follow), and an
escalation to line 3 carries the defect and what the fix must do (003 «Исследование и диагностика»)."""

from __future__ import annotations

from typing import Any

import httpx

from app.root import Root
from core.tickets.models import Ticket
from tests import factories as f


async def _act(client: httpx.AsyncClient, t: Ticket, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/tickets/{t.id}/actions", json={"action": "reclassify", **body})


async def test_line1_moves_a_ticket_to_its_service_routing_and_sla_follow(client: httpx.AsyncClient,
                                                                          root: Root) -> None:
    u = await f.user(root)
    line1 = await f.staff(root, line="line1", tg_id=6101)
    t = await f.incident(root, u, service="nttm")
    before = (await client.get(f"/api/v1/tickets/{t.id}")).json()
    assert (before["line"], before["sla"]["policy"]) == ("line2", "nttm")
    r = await _act(client, t, staff_id=line1.id, service="clm", reason="Это CLM, не NTTM")
    assert r.status_code == 200, r.text
    assert (r.json()["service"], r.json()["line"], r.json()["status"], r.json()["assignee_id"]) == (
        "clm", "clm-incidents", "assigned", None)
    d = (await client.get(f"/api/v1/tickets/{t.id}")).json()
    assert d["sla"]["policy"] == "clm"
    h = d["history"][-1]
    assert (h["action"], h["actor_kind"], h["actor_id"]) == ("reclassify", "staff", line1.id)
    assert {k: h["details"][k] for k in ("from_service", "to_service", "from_line", "to_line", "text")} == {
        "from_service": "nttm", "to_service": "clm", "from_line": "line2", "to_line": "clm-incidents",
        "text": "Это CLM, не NTTM"}


async def test_a_feature_request_goes_to_the_development_group(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    line1 = await f.staff(root, line="line1", tg_id=6102)
    s = await f.staff(root, tg_id=6103)
    t = await f.incident(root, u)
    await client.post(f"/api/v1/tickets/{t.id}/actions", json={"action": "take", "staff_id": s.id})
    r = await _act(client, t, staff_id=line1.id, type="feature")
    assert r.status_code == 200, r.text
    assert (r.json()["type"], r.json()["line"], r.json()["status"], r.json()["assignee_id"]) == (
        "feature", "dev", "waiting_user", None)  # a feature request needs a user story the incident lacks
    h = (await client.get(f"/api/v1/tickets/{t.id}")).json()["history"][-1]
    assert h["from_status"] == "in_progress" and "statement" in h["details"]["missing_fields"]
    t2 = await f.incident(root, u)
    sent = await _act(client, t2, staff_id=line1.id, to_line="dev")  # the same type, to the development group
    assert sent.status_code == 200 and sent.json()["line"] == "dev"


async def test_reclassify_refusals(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    line1 = await f.staff(root, line="line1", tg_id=6201)
    line2 = await f.staff(root, tg_id=6202)
    t = await f.incident(root, u)
    assert (await _act(client, t, staff_id=line2.id, service="clm")).status_code == 403
    same = await _act(client, t, staff_id=line1.id, service="nttm", type="incident")
    assert same.status_code == 422 and "service" in same.json()["error"]["fields"]
    unknown = await _act(client, t, staff_id=line1.id, service="nosuch")
    assert unknown.status_code == 422 and "service" in unknown.json()["error"]["fields"]
    not_offered = await _act(client, t, staff_id=line1.id, service="tecon", type="change")
    assert not_offered.status_code == 422 and "type" in not_offered.json()["error"]["fields"]
    no_contract = await _act(client, t, staff_id=line1.id, service="tecon", type="incident")
    assert no_contract.status_code == 422 and no_contract.json()["error"]["code"] == "contract_required"
    assert (await _act(client, t, staff_id=line1.id, type="nosuch")).status_code == 422
    d = (await client.get(f"/api/v1/tickets/{t.id}")).json()
    assert (d["service"], d["type"], d["line"], d["history"][-1]["action"]) == ("nttm", "incident", "line2", "register")
    await client.post(f"/api/v1/tickets/{t.id}/actions", json={"action": "cancel", "user_id": u.id})
    assert (await _act(client, t, staff_id=line1.id, service="clm")).status_code == 409


async def test_escalation_to_line3_needs_the_defect_and_the_fix(client: httpx.AsyncClient, root: Root) -> None:
    u = await f.user(root)
    s = await f.staff(root, tg_id=6301)
    t = await f.incident(root, u)
    url = f"/api/v1/tickets/{t.id}/actions"
    await client.post(url, json={"action": "take", "staff_id": s.id})
    bare = await client.post(url, json={"action": "escalate", "staff_id": s.id, "to_line": "line3"})
    assert bare.status_code == 422 and set(bare.json()["error"]["fields"]) == {"defect", "fix_requirements"}
    half = await client.post(url, json={"action": "escalate", "staff_id": s.id, "to_line": "line3",
                                        "defect": "NPE при выгрузке нарядов без адреса"})
    assert half.status_code == 422 and set(half.json()["error"]["fields"]) == {"fix_requirements"}
    assert (await client.get(url.removesuffix("/actions"))).json()["line"] == "line2"  # nothing written
    ok = await client.post(url, json={"action": "escalate", "staff_id": s.id, "to_line": "line3",
                                      "defect": "NPE при выгрузке нарядов без адреса",
                                      "fix_requirements": "Наряды без адреса выгружаются, адрес пустой"})
    assert ok.status_code == 200 and ok.json()["line"] == "line3", ok.text
    assert ok.json()["fields"]["fix_requirements"] == "Наряды без адреса выгружаются, адрес пустой"
    h = (await client.get(url.removesuffix("/actions"))).json()["history"][-1]
    assert (h["details"]["defect"], h["details"]["fix_requirements"]) == (
        "NPE при выгрузке нарядов без адреса", "Наряды без адреса выгружаются, адрес пустой")
    t2 = await f.incident(root, u)
    await client.post(f"/api/v1/tickets/{t2.id}/actions", json={"action": "take", "staff_id": s.id})
    dev = await client.post(f"/api/v1/tickets/{t2.id}/actions",
                            json={"action": "escalate", "staff_id": s.id, "to_line": "dev", "text": "доработка"})
    assert dev.status_code == 200 and dev.json()["line"] == "dev"  # the line-3 task is for line 3 only


async def test_a_reclassification_asking_for_details_did_not_stop_the_sla_clock(client: httpx.AsyncClient,
                                                                                root: Root) -> None:
    """003: «исполнитель может запросить дополнительную информацию у инициатора обращения. При этом время,
    выделенное на решение данного обращения, приостанавливается до получения дополнительной информации»."""
    from sqlalchemy import select

    from core.outbox.models import OutboxEvent

    u = await f.user(root)
    line1 = await f.staff(root, line="line1", tg_id=6104)
    t = await f.incident(root, u)
    r = await _act(client, t, staff_id=line1.id, type="feature", reason="Это пожелание, не сбой")
    assert r.status_code == 200, r.text
    d = (await client.get(f"/api/v1/tickets/{t.id}")).json()
    assert d["status"] == "waiting_user" and d["sla"]["paused"] is True
    question = d["history"][-1]["details"]["question"]
    assert "Пользовательская история" in question and "Желаемый результат" in question
    async with root.session_factory() as s:
        ev = (await s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "ticket.reclassify"))).one()
        assert ev.payload["question"] == question  # the requester is asked (Telegram or e-mail), with «Ответить»
    answered = await client.post(f"/api/v1/tickets/{t.id}/actions", json={
        "action": "user_answers", "user_id": u.id, "text": "Я, как оператор, хочу выгружать наряды в Excel"})
    assert answered.status_code == 200, answered.text
    d = (await client.get(f"/api/v1/tickets/{t.id}")).json()
    # the clock runs again, and the ticket nobody holds is back in the development group's queue
    assert (d["status"], d["line"], d["sla"]["paused"]) == ("assigned", "dev", False)

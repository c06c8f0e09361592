"""Ticket use cases on a real database: history and outbox rows are written with each change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.catalog import service as catalog
from core.errors import Conflict, ContractRequired, Forbidden, IllegalTransition, ValidationFailed
from core.outbox.models import OutboxEvent
from core.tickets import service as tickets
from core.tickets.models import TicketHistory
from core.tickets.service import Actor
from tests import factories as f


async def _count(root, model, **where) -> int:
    async with root.session_factory() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return await s.scalar(q)


async def test_register_writes_ticket_history_and_outbox(root) -> None:
    u = await f.user(root)
    t = await f.incident(root, u)
    assert t.number == f"SD-{t.id:06d}" and t.status == "assigned" and t.line == "line2"
    assert await _count(root, TicketHistory, ticket_id=t.id) == 1
    assert await _count(root, OutboxEvent, ticket_id=t.id, topic="ticket.registered") == 1


async def test_missing_required_fields_are_named_and_nothing_is_written(root) -> None:
    u = await f.user(root)
    with pytest.raises(ValidationFailed) as err:
        await tickets.register(uow=root.uow(), service_code="nttm", request_type="incident", priority=3,
                               requester_id=u.id, fields={"steps": "шаги воспроизведения"})
    assert {"expected", "actual"} <= set(err.value.fields)  # NTTM «Проверка корректности и достаточности»
    assert "Пример" in err.value.fields["actual"]
    assert await _count(root, OutboxEvent) == 0


async def test_full_life_take_question_answer_resolve_confirm(root) -> None:
    u = await f.user(root)
    s = await f.staff(root)
    t = await f.incident(root, u)
    staff, user = Actor("staff", s.id), Actor("user", u.id)
    t = await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=staff)
    assert (t.status, t.assignee_id) == ("in_progress", s.id)
    t = await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="request_info", actor=staff,
                                   params={"text": "Пришлите номер наряда"})
    assert t.status == "waiting_user" and t.pending_question
    t = await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="user_answers", actor=user,
                                   params={"text": "Наряд 7788"})
    assert t.status == "in_progress" and t.pending_question is None
    t = await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="resolve", actor=staff,
                                   params={"text": "Исправлен справочник", **f.CLOSING})
    t = await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="confirm", actor=user)
    assert t.status == "closed" and t.closing_code == "resolved"
    _, hist = await tickets.get(uow=root.uow(), ticket_id=t.id)
    assert [h.action for h in hist] == ["register", "take", "request_info", "user_answers", "resolve", "confirm"]
    assert await _count(root, OutboxEvent, ticket_id=t.id) == 6


async def test_illegal_transition_writes_nothing(root) -> None:
    u = await f.user(root)
    t = await f.incident(root, u)
    with pytest.raises(IllegalTransition) as err:
        await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="confirm", actor=Actor("user", u.id))
    assert err.value.status == "assigned" and err.value.action == "confirm"
    assert await _count(root, TicketHistory, ticket_id=t.id) == 1
    assert await _count(root, OutboxEvent, ticket_id=t.id) == 1


async def test_other_user_cannot_cancel(root) -> None:
    u = await f.user(root)
    other = await f.user(root, tg_id=2002, login="p.petrov")
    t = await f.incident(root, u)
    with pytest.raises(Forbidden):
        await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="cancel", actor=Actor("user", other.id))


async def test_second_take_of_same_ticket_is_refused(root) -> None:
    u = await f.user(root)
    a, b = await f.staff(root, tg_id=1), await f.staff(root, tg_id=2)
    t = await f.incident(root, u)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", a.id))
    with pytest.raises((IllegalTransition, Conflict)):
        await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", b.id))


async def test_contract_bound_service_refuses_org_without_valid_period(root) -> None:
    today = datetime.now(UTC).date()
    org = await catalog.create_organisation(uow=root.uow(), name="ООО Ромашка", periods=[
        {"valid_from": today - timedelta(days=400), "valid_to": today - timedelta(days=35)}])
    u = await f.user(root, organisation_id=org.id)
    with pytest.raises(ContractRequired) as err:
        await f.incident(root, u, service="tecon", priority=2, description="Не запускается модуль опроса")
    assert "Ромашка" in err.value.message
    await catalog.update_organisation(uow=root.uow(), org_id=org.id, changes={"periods": [
        {"valid_from": today - timedelta(days=1), "valid_to": today + timedelta(days=365)}]})
    t = await f.incident(root, u, service="tecon", priority=2, description="Не запускается модуль опроса")
    assert t.id and t.line == "tecon-projects"


async def test_only_whoever_is_responsible_works_on_a_taken_ticket(root) -> None:
    u = await f.user(root)
    owner, colleague = await f.staff(root, tg_id=11), await f.staff(root, tg_id=12)
    coordinator = await f.staff(root, tg_id=13, coordinator=True)
    stranger = await f.staff(root, line="line3", tg_id=14)
    t = await f.incident(root, u)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", owner.id))
    for who in (colleague, stranger):
        with pytest.raises(Forbidden):
            await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="resolve", actor=Actor("staff", who.id),
                                       params={"text": "не моё", **f.CLOSING})
    t = await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="request_info",
                                   actor=Actor("staff", coordinator.id), params={"text": "Уточните номер наряда"})
    assert t.status == "waiting_user"


async def test_return_to_line1_of_a_ticket_already_on_line1_is_refused(root) -> None:
    u = await f.user(root)
    desk = await f.staff(root, line="line1", tg_id=21)
    t = await tickets.register(uow=root.uow(), service_code="omnichat", request_type="consultation", priority=4,
                               requester_id=u.id, fields={"question": "Как выгрузить отчёт по нарядам?"})
    assert t.line == "line1"
    with pytest.raises(Conflict):
        await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="return_to_line1",
                                   actor=Actor("staff", desk.id), params={"reason": "не наш сервис"})
    assert await _count(root, TicketHistory, ticket_id=t.id) == 1


async def test_one_intake_key_registers_one_ticket_also_when_two_handlings_race(root) -> None:
    u = await f.user(root)

    async def send() -> int:
        t = await tickets.register(uow=root.uow(), service_code="nttm", request_type="incident", priority=3,
                                   requester_id=u.id, fields=dict(f.INCIDENT_FIELDS), intake_key="dialog-7788")
        return t.id

    ids = await asyncio.gather(send(), send(), send())
    assert len(set(ids)) == 1  # on PostgreSQL two pass the first look and one meets the unique key
    assert await _count(root, OutboxEvent, topic="ticket.registered") == 1
    other = await tickets.register(uow=root.uow(), service_code="nttm", request_type="incident", priority=3,
                                   requester_id=u.id, fields=dict(f.INCIDENT_FIELDS), intake_key="dialog-7789")
    assert other.id != ids[0]

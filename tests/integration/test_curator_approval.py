"""The МРФ curator's approval use cases on a real database: who may decide, what a decision writes (history,
outbox, the SLA clock), refusals that write nothing, and the e-mail a phone requester gets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.catalog import service as catalog
from core.catalog.models import Staff
from core.errors import Conflict, Forbidden, ValidationFailed
from core.mail.models import EmailNotice
from core.mail.notices import plan_notices
from core.outbox.models import OutboxEvent
from core.sla.models import TicketSla
from core.tickets import approval
from core.tickets import service as tickets
from core.tickets.models import Ticket, TicketHistory

CALLER = {"full_name": "Сидоров Сидор", "login": "s.sidorov", "email": "s.sidorov@corp.example.ru",
          "region": "МРФ Центр"}
FIELDS = {"full_name": CALLER["full_name"], "login": CALLER["login"], "role": "оператор", "region": "МРФ Центр"}


async def _curator(root, region: str, tg_id: int, systems: tuple[str, ...] = ("nttm",)) -> int:
    staff = await catalog.create_staff(uow=root.uow(), line_code="line1", curator_region=region,
                                       curator_services=list(systems),
                                       user={"tg_id": tg_id, "full_name": f"Куратор {tg_id}"})
    return staff.id


async def _request(root) -> Ticket:
    return await tickets.register_on_behalf(uow=root.uow(), service_code="nttm", request_type="access_request",
                                            priority=3, requester=dict(CALLER), fields=dict(FIELDS))


async def _rows(root, model, ticket_id: int) -> list:
    async with root.session_factory() as s:
        col = model.ticket_id
        return list((await s.scalars(select(model).where(col == ticket_id).order_by(model.id))).all())


async def test_a_pending_request_has_its_clock_stopped_until_the_curator_approves(root) -> None:
    curator = await _curator(root, "МРФ Центр", 6101)
    t = await _request(root)
    async with root.session_factory() as s:
        sla = await s.get(TicketSla, t.id)
        assert sla is not None and sla.paused_since is not None  # nobody may act: its deadlines wait
    await approval.approve(uow=root.uow(), ticket_id=t.id, staff_id=curator)
    async with root.session_factory() as s:
        sla = await s.get(TicketSla, t.id)
        ticket = await s.get(Ticket, t.id)
        assert sla is not None and sla.paused_since is None and ticket is not None and ticket.approval == "approved"
    assert [h.action for h in await _rows(root, TicketHistory, t.id)] == ["register", "curator_approve"]
    topics = [e.topic for e in await _rows(root, OutboxEvent, t.id)]
    assert topics == ["curator.requested", "ticket.registered", "curator.approved"]


async def test_refusals_write_nothing(root) -> None:
    await _curator(root, "МРФ Центр", 6101)
    south = await _curator(root, "МРФ Юг", 6102)
    centre = await _curator(root, "  мрф центр", 6103)  # case and spaces do not matter
    t = await _request(root)
    with pytest.raises(Forbidden):
        await approval.approve(uow=root.uow(), ticket_id=t.id, staff_id=south)
    with pytest.raises(ValidationFailed):
        await approval.reject(uow=root.uow(), ticket_id=t.id, staff_id=centre, reason="  ")
    assert [h.action for h in await _rows(root, TicketHistory, t.id)] == ["register"]
    await approval.reject(uow=root.uow(), ticket_id=t.id, staff_id=centre, reason="Нет основания")
    with pytest.raises(Conflict):
        await approval.approve(uow=root.uow(), ticket_id=t.id, staff_id=centre)
    assert [h.action for h in await _rows(root, TicketHistory, t.id)] == ["register", "curator_reject"]


async def test_a_phone_requester_is_told_the_rejection_and_its_reason_by_email(root) -> None:
    curator = await _curator(root, "МРФ Центр", 6101)
    t = await _request(root)
    await approval.reject(uow=root.uow(), ticket_id=t.id, staff_id=curator, reason="Роль не положена отделу")
    await plan_notices(uow=root.uow())
    async with root.session_factory() as s:
        mails = list((await s.scalars(select(EmailNotice).order_by(EmailNotice.id))).all())
    rejected = [m for m in mails if "отказано" in m.subject]
    assert len(rejected) == 1 and rejected[0].address == CALLER["email"]
    assert "Роль не положена отделу" in rejected[0].body and t.number in rejected[0].subject


async def test_curator_written_without_mrf_prefix_gets_the_request_of_a_profile_with_it(root) -> None:
    # The profile's button stores «МРФ Центр», an administrator wrote «Центр»: the request skipped the curator.
    curator = await _curator(root, "Центр", 6104)
    t = await _request(root)
    assert t.approval == "pending"
    await approval.approve(uow=root.uow(), ticket_id=t.id, staff_id=curator)
    async with root.session_factory() as s:
        ticket = await s.get(Ticket, t.id)
        assert ticket is not None and ticket.approval == "approved"


async def test_a_curator_approved_access_to_a_system_not_listed_for_them(root) -> None:
    """003: «список согласующих отличается в зависимости от принадлежности к МРФ. Список кураторов от МРФ по
    Системе указан в Приложении 1»: a curator of the МРФ for CLM does not approve access to NTTM."""
    clm_only = await _curator(root, "МРФ Центр", 5801, systems=("clm",))
    alone = await _request(root)
    assert alone.approval == approval.NO_CURATOR  # nobody curates NTTM there: the queue at once, line 1 told
    nttm = await _curator(root, "МРФ Центр", 5802)
    t = await tickets.register_on_behalf(uow=root.uow(), service_code="nttm", request_type="access_request",
                                         priority=3, requester=dict(CALLER), fields=dict(FIELDS))
    assert t.approval == approval.PENDING
    async with root.session_factory() as s:
        asked = (await s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "curator.requested",
                                                           OutboxEvent.ticket_id == t.id))).one()
    assert asked.payload["curator_ids"] == [nttm]
    with pytest.raises(Forbidden):
        await approval.approve(uow=root.uow(), ticket_id=t.id, staff_id=clm_only)
    with pytest.raises(Forbidden):
        await approval.reject(uow=root.uow(), ticket_id=t.id, staff_id=clm_only, reason="не мой сервис")
    async with root.session_factory() as s:
        clm_tg = (await s.get(Staff, clm_only)).user.tg_id
    assert await approval.curator_staff_id(uow=root.uow(), tg_id=clm_tg, ticket_id=t.id) is None  # the bot's check
    from core.staffdesk import queues  # «Запросы доступа на согласовании» in /queue

    assert (await queues.awaiting_curator(uow=root.uow(), staff_ids=[clm_only])).total == 0
    assert [i.ticket_id for i in (await queues.awaiting_curator(uow=root.uow(), staff_ids=[nttm])).items] == [t.id]
    assert (await approval.approve(uow=root.uow(), ticket_id=t.id, staff_id=nttm)).approval == approval.APPROVED


async def test_an_invited_curator_got_no_systems(root) -> None:
    from core.staffdesk import invitations

    inv = await invitations.create(uow=root.uow(), line_code="line1", curator_region="МРФ Центр",
                                   curator_services=["nttm"], full_name="Куратор Центра", hours=24)
    linked = await invitations.accept(uow=root.uow(), code=inv.code, tg_id=5890)
    async with root.session_factory() as s:
        got = await s.get(Staff, linked.staff_id)
        assert got is not None and (got.curator_region, got.curator_services) == ("МРФ Центр", ["nttm"])
    with pytest.raises(ValidationFailed):
        await invitations.create(uow=root.uow(), line_code="line1", curator_region="МРФ Центр",
                                 curator_services=["nope"], hours=24)
    assert (await _request(root)).approval == approval.PENDING

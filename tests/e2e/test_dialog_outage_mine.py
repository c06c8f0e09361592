"""A report on a service with an open outage: its notice first; «Это моя проблема» files a short linked ticket
(once per user), «У меня другое» goes on with the normal dialog; restoration resolves it and tells the user."""

from __future__ import annotations

from sqlalchemy import select

from core.outages import service as outages
from core.tickets.models import Ticket
from tests import factories as f
from tests.e2e.dialogs import onboard, tap
from tests.e2e.harness import BotHarness

UID = 7101


async def test_this_is_my_problem_links_a_short_ticket_and_restoration_resolves_it(harness: BotHarness) -> None:
    h, root = harness, harness.root
    await onboard(h, UID)
    o, _ = await outages.declare(uow=root.uow(), services=["nttm"], title="Не открываются наряды",
                                 what="Карточка наряда", tz=root.tz)
    await h.send_text(UID, "📝 Сообщить о проблеме")
    await tap(h, UID, "NTTM")
    notice = h.last_text(UID) or ""
    assert "авария" in notice and "Не открываются наряды" in notice and "Карточка наряда" in notice
    assert h.buttons(h.last_call(UID, with_inline=True))[:2] == [["🙋 Это моя проблема"], ["📝 У меня другое"]]
    await tap(h, UID, "Это моя проблема")
    async with root.session_factory() as s:
        t = (await s.scalars(select(Ticket).where(Ticket.outage_id == o.id))).one()
    assert t.type == "incident" and t.status == "assigned" and t.title == "Авария: Не открываются наряды"
    assert f"<b>{t.number}</b> зарегистрировано и связано с аварией" in (h.last_text(UID) or "")

    # the same user again: no second ticket, they are told theirs
    await h.send_text(UID, "📝 Сообщить о проблеме")
    await tap(h, UID, "NTTM")
    await tap(h, UID, "Это моя проблема")
    assert f"уже сообщили об этой аварии: обращение <b>{t.number}</b>" in (h.last_text(UID) or "")
    # «У меня другое» is the normal dialog
    await h.send_text(UID, "📝 Сообщить о проблеме")
    await tap(h, UID, "NTTM")
    await tap(h, UID, "У меня другое")
    assert "Выберите вид обращения" in (h.last_text(UID) or "")
    # a service without an outage goes straight on
    await tap(h, UID, "Назад")
    await tap(h, UID, "CLM")
    assert "Выберите вид обращения" in (h.last_text(UID) or "")

    staff = await f.staff(root, line="line2", tg_id=5301, manager=True)
    _o, _b, linked = await outages.restore(uow=root.uow(), outage_id=o.id, resolution="Перезапустили сервис",
                                           tz=root.tz)
    assert linked == [t.id]
    done, skipped = await outages.resolve_linked(uow_factory=root.uow, ticket_ids=linked, staff_id=staff.id,
                                                 resolution="Перезапустили сервис")
    assert (done, skipped) == ([t.id], {})
    await h.deliver()
    assert any(t.number in x and "Перезапустили сервис" in x for x in h.texts(UID))


async def test_outage_restored_before_the_press_falls_back_to_the_dialog(harness: BotHarness) -> None:
    h, root = harness, harness.root
    await onboard(h, UID)
    o, _ = await outages.declare(uow=root.uow(), services=["nttm"], title="Сбой", tz=root.tz)
    await h.send_text(UID, "📝 Сообщить о проблеме")
    await tap(h, UID, "NTTM")
    await outages.restore(uow=root.uow(), outage_id=o.id, resolution="Сам прошёл", tz=root.tz)
    await tap(h, UID, "Это моя проблема")
    texts = h.texts(UID)
    assert "уже устранена" in texts[-2] and "Выберите вид обращения" in texts[-1]
    async with root.session_factory() as s:
        assert (await s.scalars(select(Ticket.id).where(Ticket.outage_id == o.id))).all() == []


async def test_free_text_that_describes_the_outage_gets_its_notice_first(harness: BotHarness) -> None:
    h, root = harness, harness.root
    await onboard(h, UID)
    o, _ = await outages.declare(uow=root.uow(), services=["nttm"], title="Не открываются наряды",
                                 what="Карточка наряда пустая", tz=root.tz)
    await h.send_text(UID, "Здравствуйте, у меня в NTTM не открывается наряд, карточка пустая")
    assert "Сейчас на этом сервисе авария" in (h.last_text(UID) or "")
    await tap(h, UID, "Это моя проблема")
    async with root.session_factory() as s:
        t = (await s.scalars(select(Ticket).where(Ticket.outage_id == o.id))).one()
    assert "связано с аварией" in (h.last_text(UID) or "") and t.number in (h.last_text(UID) or "")

    # another problem is not taken for the outage, and «У меня другое» starts the report with the user's text
    await h.send_text(UID, "Не могу сменить пароль в профиле, пишет что срок истёк")
    assert "авария" not in (h.last_text(UID) or "")
    await h.send_text(UID, "Наряды не открываются у коллег тоже, карточка пустая")
    await tap(h, UID, "У меня другое")
    assert "В какой системе проблема? Выберите сервис" in (h.last_text(UID) or "")


async def test_an_outage_declined_from_free_text_is_not_offered_again_for_its_service(harness: BotHarness) -> None:
    # «У меня другое», then the same service chosen: the same outage notice came back
    h, root = harness, harness.root
    await onboard(h, UID)
    await outages.declare(uow=root.uow(), services=["nttm"], title="Не открываются наряды",
                          what="Карточка наряда пустая", tz=root.tz)
    await h.send_text(UID, "Наряды в NTTM не открываются, карточка пустая")
    assert "Сейчас на этом сервисе авария" in (h.last_text(UID) or "")
    await tap(h, UID, "У меня другое")
    await tap(h, UID, "NTTM")
    assert "авария" not in (h.last_text(UID) or "") and "Выберите вид обращения" in (h.last_text(UID) or "")

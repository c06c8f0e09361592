"""A ticket staff close without a resolution first tells the requester the solution or the reason (003)."""

from __future__ import annotations

from sqlalchemy import select

from bot.delivery.render import Texts, render
from core.mail.notice_texts import notice_mail
from core.outbox.models import OutboxEvent
from core.tickets import service as tickets
from core.tickets.service import Actor
from tests import factories as f

REASON = "В системе нет возможности выгружать этот отчёт, доработка не согласована"


async def test_staff_close_tells_the_requester_the_reason_it_cannot_be_done(root) -> None:
    # 003 «Запрос на доработку»: «направляет ответ пользователю о невозможности выполнения обращения и закрывает
    # обращение»; the closing notice said only «закрыто», the reason stayed in the ticket
    u = await f.user(root)
    staff = await f.staff(root)
    t = await f.incident(root, u)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", staff.id))
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="close", actor=Actor("staff", staff.id),
                               params={"closing_code": "impossible", "config_item": "Данные / NTTM",
                                       "solution": REASON})
    async with root.session_factory() as s:
        ev = (await s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "ticket.close"))).one()
    notice = render(ev.topic, ev.payload, channel="telegram", tr=Texts(None, "ru"))
    assert notice is not None and "закрыто" in notice.text and REASON in notice.text
    mail = notice_mail(ev.topic, ev.payload, to=u.email or "", locale="ru")
    assert mail is not None and REASON in mail.body and "Решение:" in mail.body

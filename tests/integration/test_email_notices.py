"""Status notices by e-mail to a requester line 1 registered by phone (no Telegram), through a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from core.db import utcnow
from core.mail.adapters import SmtpMailer
from core.mail.models import EmailNotice, MailStatus
from core.mail.notices import plan_notices, send_notices
from core.settings import Settings
from core.tickets import service as tickets
from core.tickets.models import Ticket
from core.tickets.service import Actor
from tests import factories as f
from tests.conftest import ADMIN_TOKEN
from tests.smtp_server import LocalSmtp, free_port

CALLER = {"full_name": "Сидоров Сидор Сидорович", "login": "s.sidorov", "email": "s.sidorov@corp.example.ru",
          "region": "МРФ Центр"}


def _mailer(port: int) -> SmtpMailer:
    return SmtpMailer(Settings(admin_api_token=ADMIN_TOKEN, smtp_host="127.0.0.1", smtp_port=port,
                               smtp_starttls=False, smtp_from="desk@corp.example.ru", _env_file=None))


async def _by_phone(root) -> Ticket:
    return await tickets.register_on_behalf(uow=root.uow(), service_code="nttm", request_type="incident", priority=3,
                                            requester=dict(CALLER), fields=dict(f.INCIDENT_FIELDS))


async def _notices(root) -> list[EmailNotice]:
    async with root.session_factory() as s:
        return list((await s.scalars(select(EmailNotice).order_by(EmailNotice.id))).all())


async def test_a_phone_requester_gets_each_status_change_by_email(root, smtp_server: LocalSmtp) -> None:
    staff = Actor("staff", (await f.staff(root)).id)
    t = await _by_phone(root)
    with_tg = await f.incident(root, await f.user(root))  # a Telegram requester: the bot tells them, no mail
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=staff)
    await tickets.add_comment(uow=root.uow(), ticket_id=t.id, actor=staff, text="только для своих", public=False)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="request_info", actor=staff,
                               params={"text": "Пришлите номер наряда"})
    await tickets.apply_action(uow=root.uow(), ticket_id=with_tg.id, action="take", actor=staff)
    assert await plan_notices(uow=root.uow()) == 3
    assert await plan_notices(uow=root.uow()) == 0  # each event is looked at once
    stats = await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port))
    assert (stats.sent, stats.retried, stats.failed) == (3, 0, 0)
    mails = await smtp_server.wait_for(3)
    assert [m.rcpt for m in mails] == [[CALLER["email"]]] * 3
    assert [m.subject for m in mails] == [f"Обращение {t.number}: зарегистрировано",
                                          f"Обращение {t.number}: взято в работу",
                                          f"Обращение {t.number}: нужен ваш ответ"]
    assert "Пришлите номер наряда" in mails[2].body and "только для своих" not in "".join(m.body for m in mails)
    assert {n.status for n in await _notices(root)} == {MailStatus.sent}
    assert (await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port))).claimed == 0  # sent once


async def test_smtp_down_keeps_the_mails_in_order_until_it_is_back(root, smtp_server: LocalSmtp) -> None:
    staff = Actor("staff", (await f.staff(root)).id)
    t = await _by_phone(root)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=staff)
    await plan_notices(uow=root.uow())
    stats = await send_notices(uow=root.uow, mailer=_mailer(free_port()))  # nobody listens: connection refused
    assert (stats.sent, stats.retried, stats.failed) == (0, 1, 0)
    first, second = await _notices(root)
    assert (first.status, first.attempts, second.status, second.attempts) == ("pending", 1, "pending", 0)
    assert first.next_at > utcnow() and second.next_at == first.next_at  # the later one waits behind it
    assert "Connect" in (first.error or "") or "refused" in (first.error or "").lower()
    assert (await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port))).claimed == 0  # not due yet
    smtp_server.refuse_next("451 4.3.0 mailbox busy")  # back, but busy once more: still transient
    later = utcnow() + timedelta(seconds=16)
    assert (await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port), now=later)).retried == 1
    much_later = later + timedelta(minutes=5)
    stats = await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port), now=much_later)
    assert (stats.sent, stats.failed) == (2, 0)
    mails = await smtp_server.wait_for(2)
    assert ["зарегистрировано" in mails[0].subject, "взято в работу" in mails[1].subject] == [True, True]


async def test_a_permanent_refusal_is_failed_with_its_reason_and_the_rest_goes_on(root,
                                                                                  smtp_server: LocalSmtp) -> None:
    staff = Actor("staff", (await f.staff(root)).id)
    t = await _by_phone(root)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=staff)
    await plan_notices(uow=root.uow())
    smtp_server.refuse_next("550 5.1.1 no such mailbox")
    stats = await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port))
    assert (stats.sent, stats.failed) == (1, 1)
    first, second = await _notices(root)
    assert first.status == "failed" and "550" in (first.error or "") and second.status == "sent"


async def test_a_claim_left_by_a_dead_process_is_sent_again(root, smtp_server: LocalSmtp) -> None:
    await _by_phone(root)
    await plan_notices(uow=root.uow())
    async with root.session_factory() as s:  # claimed ten minutes ago by a process that then died
        await s.execute(update(EmailNotice).values(status=MailStatus.sending, attempts=1,
                                                   next_at=utcnow() - timedelta(minutes=10)))
        await s.commit()
    stats = await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port))
    assert stats.sent == 1 and len(await smtp_server.wait_for(1)) == 1


async def test_a_telegram_requester_was_not_emailed_that_work_is_paused_for_their_answer(
        root, smtp_server: LocalSmtp) -> None:
    # 001: «Пользователю приходит сообщение на электронную почту о приостановке работ по запросу до получения
    # дополнительной информации»; the bot tells them everything else, so nothing else goes by mail
    staff = Actor("staff", (await f.staff(root)).id)
    u = await f.user(root, email="i.ivanov@corp.example.ru")
    t = await f.incident(root, u)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=staff)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="request_info", actor=staff,
                               params={"text": "Пришлите снимок экрана с ошибкой"})
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="user_answers", actor=Actor("user", u.id),
                               params={"text": "вот снимок"})
    no_mail = await f.incident(root, await f.user(root, tg_id=1002, login="p.petrov", email=None))
    await tickets.apply_action(uow=root.uow(), ticket_id=no_mail.id, action="take", actor=staff)
    await tickets.apply_action(uow=root.uow(), ticket_id=no_mail.id, action="request_info", actor=staff,
                               params={"text": "Какой у вас логин?"})
    assert await plan_notices(uow=root.uow()) == 1
    stats = await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port))
    assert (stats.sent, stats.failed) == (1, 0)
    (mail,) = await smtp_server.wait_for(1)
    assert mail.rcpt == ["i.ivanov@corp.example.ru"]
    assert mail.subject == f"Обращение {t.number}: нужен ваш ответ"
    assert "Пришлите снимок экрана с ошибкой" in mail.body
    assert "приостановлены" in mail.body and "Telegram" in mail.body

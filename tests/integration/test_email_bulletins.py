"""Information notices by e-mail to all users of a service (003 «Рассылка уведомлений пользователям Системы»),
through a real SMTP server that refuses an unknown mailbox the way a real one does."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.db import utcnow
from core.mail import bulletins
from core.mail.adapters import SmtpMailer
from core.mail.models import EmailNotice, MailStatus
from core.mail.notices import plan_notices, send_notices
from core.outages import service as outages
from core.outages import subscriptions
from core.outbox.models import OutboxEvent
from core.planned import service as planned
from core.settings import Settings
from tests import factories as f
from tests.conftest import ADMIN_TOKEN
from tests.smtp_server import LocalSmtp, free_port

TZ = ZoneInfo("Europe/Moscow")


def _mailer(port: int) -> SmtpMailer:
    return SmtpMailer(Settings(admin_api_token=ADMIN_TOKEN, smtp_host="127.0.0.1", smtp_port=port,
                               smtp_starttls=False, smtp_from="desk@corp.example.ru", _env_file=None))


async def _rows(root) -> list[EmailNotice]:
    async with root.session_factory() as s:
        return list((await s.scalars(select(EmailNotice).order_by(EmailNotice.id))).all())


async def _nttm_people(root) -> None:
    """A Telegram user and a phone requester who reported on NTTM, a CRM user, and NTTM's exported list."""
    tg = await f.user(root, tg_id=3001, login="a.tg", email="A.Tg@corp.example.ru")
    await f.incident(root, tg, service="nttm")
    phone = await f.user(root, tg_id=None, login="b.phone", email="b.phone@corp.example.ru")
    await f.incident(root, phone, service="nttm")
    crm = await f.user(root, tg_id=3003, login="c.crm", email="c.crm@corp.example.ru")
    await subscriptions.set_subscription(uow=root.uow(), user_id=crm.id, service_code="crm-b2c", on=True)
    kept, refused = await bulletins.replace_addresses(
        uow=root.uow(), service_code="nttm",
        addresses=["a.tg@corp.example.ru", "d.export@corp.example.ru", "D.Export@corp.example.ru ",
                   "gone@corp.example.ru", "не адрес"])
    assert (kept, refused) == (3, ["не адрес"])


async def test_an_outage_was_not_emailed_to_the_users_of_the_service(root, smtp_server: LocalSmtp) -> None:
    await _nttm_people(root)
    await plan_notices(uow=root.uow())  # the tickets' own mails are not what this is about
    async with root.session_factory() as s:
        await s.execute(EmailNotice.__table__.delete())
        await s.commit()
    smtp_server.no_such_mailbox("gone@corp.example.ru")
    o, _ = await outages.declare(uow=root.uow(), services=["nttm"], title="Не открываются наряды",
                                 what="Список нарядов", tz=TZ)
    async with root.session_factory() as s:  # written with the outage, in its transaction
        assert await s.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.topic == bulletins.TOPIC)) == 1
    assert await plan_notices(uow=root.uow()) == 4  # each address once, whatever its case; no CRM user
    stats = await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port))
    assert (stats.sent, stats.failed, stats.retried) == (3, 1, 0)  # the unknown mailbox stops nobody else
    mails = await smtp_server.wait_for(3)
    assert sorted(r for m in mails for r in m.rcpt) == ["A.Tg@corp.example.ru", "b.phone@corp.example.ru",
                                                        "d.export@corp.example.ru"]
    # 003: «с темой письма «Информационное письмо NTTM» с электронного адреса NTTM-support@RT.RU»
    assert {m.subject for m in mails} == {"Информационное письмо NTTM"}
    assert {str(m.message["From"]) for m in mails} == {"NTTM-support@RT.RU"}
    assert "Авария: Не открываются наряды" in mails[0].body and "<b>" not in mails[0].body
    gone = [r for r in await _rows(root) if r.address == "gone@corp.example.ru"]
    assert gone[0].status == MailStatus.failed and "550" in (gone[0].error or "")

    await outages.restore(uow=root.uow(), outage_id=o.id, resolution="Перезапустили сервис", tz=TZ)
    assert await plan_notices(uow=root.uow()) == 4
    await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port))
    restored = (await smtp_server.wait_for(6))[3:]
    assert all("Работа восстановлена" in m.body and "Перезапустили сервис" in m.body for m in restored)


async def test_an_email_notice_was_lost_when_smtp_was_down(root, smtp_server: LocalSmtp) -> None:
    await bulletins.replace_addresses(uow=root.uow(), service_code="crm-b2c", addresses=["x@corp.example.ru"])
    await outages.declare(uow=root.uow(), services=["crm-b2c"], title="CRM недоступна", tz=TZ)
    assert await plan_notices(uow=root.uow()) == 1
    stats = await send_notices(uow=root.uow, mailer=_mailer(free_port()))  # nobody listens
    assert (stats.sent, stats.retried) == (0, 1)
    (row,) = await _rows(root)
    assert row.status == MailStatus.pending and row.next_at > utcnow()
    # another service's notice: the subject from its name, the sender SMTP_FROM
    later = utcnow() + timedelta(seconds=20)
    assert (await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port), now=later)).sent == 1
    (mail,) = await smtp_server.wait_for(1)
    assert (mail.subject, str(mail.message["From"])) == ("Информационное письмо CRM B2C", "desk@corp.example.ru")


async def test_a_release_was_not_emailed_and_the_reminder_is_not(root, smtp_server: LocalSmtp) -> None:
    await bulletins.replace_addresses(uow=root.uow(), service_code="nttm", addresses=["x@corp.example.ru"])
    start = utcnow() + timedelta(days=2)
    await planned.create(uow=root.uow(), kind="release", services=["nttm"], title="Релиз 5.2",
                         starts_at=start, ends_at=start + timedelta(hours=2), changes=["Новый фильтр"], tz=TZ)
    assert await plan_notices(uow=root.uow()) == 1
    await planned.send_due(uow_factory=root.uow, tz=TZ, now=start - timedelta(minutes=59))  # the reminder
    assert await plan_notices(uow=root.uow()) == 0
    await planned.send_due(uow_factory=root.uow, tz=TZ, now=start + timedelta(hours=2, minutes=1))  # the end
    assert await plan_notices(uow=root.uow()) == 1
    await send_notices(uow=root.uow, mailer=_mailer(smtp_server.port))
    first, end = await smtp_server.wait_for(2)
    assert "Релиз 5.2" in first.body and "Новый фильтр" in first.body and first.subject == "Информационное письмо NTTM"
    assert "Релиз 5.2" in end.body


async def test_without_smtp_the_email_notices_are_off_with_a_log_line(root, caplog: pytest.LogCaptureFixture,
                                                                       ) -> None:
    await bulletins.replace_addresses(uow=root.uow(), service_code="nttm", addresses=["x@corp.example.ru"])
    await outages.declare(uow=root.uow(), services=["nttm"], title="NTTM недоступен", tz=TZ)
    with caplog.at_level(logging.WARNING, logger="core.mail.notices"):
        assert await plan_notices(uow=root.uow(), bulletins=False) == 0
    assert "SMTP_HOST is not set" in caplog.text and "nttm" in caplog.text
    assert await _rows(root) == []

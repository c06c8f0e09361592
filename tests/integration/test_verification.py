"""Verification use cases on a real database, the codes mailed through a real local SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import utcnow
from core.mail.adapters import SmtpMailer
from core.mail.port import Mail, MailError
from core.outbox.models import OutboxEvent
from core.settings import Settings
from core.verification import service as verification
from core.verification.codes import Policy
from core.verification.errors import CodeRefused, EmailRefused, MailNotSent, ResendTooSoon
from core.verification.models import EmailCode
from tests import factories as f
from tests.conftest import ADMIN_TOKEN
from tests.smtp_server import LocalSmtp, free_port

POLICY = Policy(required=True, domains=("corp.example.ru",))


def _mailer(port: int) -> SmtpMailer:
    return SmtpMailer(Settings(admin_api_token=ADMIN_TOKEN, smtp_host="127.0.0.1", smtp_port=port,
                               smtp_starttls=False, smtp_from="desk@corp.example.ru", _env_file=None))


async def test_the_mailed_code_verifies_and_writes_the_address_into_the_profile(root, smtp_server: LocalSmtp) -> None:
    u = await f.user(root, email="i.ivanov@gmail.com")
    assert not await verification.may_file(uow=root.uow(), user_id=u.id, policy=POLICY)
    sent = await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY,
                                        user_id=u.id, email="I.Ivanov@corp.example.ru")
    assert sent.delivered and sent.expires_at > utcnow() + timedelta(minutes=14)
    (mail,) = await smtp_server.wait_for(1)
    assert mail.rcpt == ["I.Ivanov@corp.example.ru"] and "Код подтверждения" in mail.subject
    async with root.session_factory() as s:
        row = await s.get(EmailCode, u.id)
        assert row is not None and mail.code() not in row.code_hash  # only the hash is stored
    status = await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=u.id, code=mail.code())
    assert (status.verified, status.method, status.email, status.pending_email) == (
        True, "email", "I.Ivanov@corp.example.ru", None)
    assert await verification.may_file(uow=root.uow(), user_id=u.id, policy=POLICY)
    async with root.session_factory() as s:
        assert (await s.scalars(select(OutboxEvent.topic))).all() == ["user.verified"]
    with pytest.raises(CodeRefused) as used:  # a code works once
        await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=u.id, code=mail.code())
    assert used.value.reason == "none"


async def test_changing_the_email_afterwards_asks_for_verification_again(root, smtp_server: LocalSmtp) -> None:
    u = await f.user(root)
    await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY, user_id=u.id,
                                 email="i.ivanov@corp.example.ru")
    (mail,) = await smtp_server.wait_for(1)
    await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=u.id, code=mail.code())
    await f.user(root, email="ivan@other.example.ru")  # the profile dialog's «✏️ Логин / e-mail»
    assert not await verification.may_file(uow=root.uow(), user_id=u.id, policy=POLICY)


async def test_wrong_codes_count_and_the_fifth_one_ends_the_code(root, smtp_server: LocalSmtp) -> None:
    u = await f.user(root)
    await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY, user_id=u.id,
                                 email="i.ivanov@corp.example.ru")
    (mail,) = await smtp_server.wait_for(1)
    wrong = "000000" if mail.code() != "000000" else "111111"
    lefts = []
    for _ in range(4):
        with pytest.raises(CodeRefused) as err:
            await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=u.id, code=wrong)
        lefts.append((err.value.reason, err.value.left))
    assert lefts == [("wrong", 4), ("wrong", 3), ("wrong", 2), ("wrong", 1)]
    with pytest.raises(CodeRefused) as err:
        await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=u.id, code=wrong)
    assert err.value.reason == "attempts"
    with pytest.raises(CodeRefused) as err:  # even the right code no longer works
        await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=u.id, code=mail.code())
    assert err.value.reason == "attempts"
    assert not await verification.may_file(uow=root.uow(), user_id=u.id, policy=POLICY)


async def test_an_expired_code_is_refused(root, smtp_server: LocalSmtp) -> None:
    u = await f.user(root)
    sent_at = utcnow() - timedelta(minutes=16)
    await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY, user_id=u.id,
                                 email="i.ivanov@corp.example.ru", now=sent_at)
    (mail,) = await smtp_server.wait_for(1)
    with pytest.raises(CodeRefused) as err:
        await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=u.id, code=mail.code())
    assert err.value.reason == "expired"


async def test_resending_is_throttled_and_a_new_code_replaces_the_old(root, smtp_server: LocalSmtp) -> None:
    u = await f.user(root)
    mailer = _mailer(smtp_server.port)
    t0 = utcnow()
    await verification.send_code(uow=root.uow(), mailer=mailer, policy=POLICY, user_id=u.id,
                                 email="i.ivanov@corp.example.ru", now=t0)
    with pytest.raises(ResendTooSoon) as err:
        await verification.send_code(uow=root.uow(), mailer=mailer, policy=POLICY, user_id=u.id,
                                     now=t0 + timedelta(seconds=15))
    assert err.value.wait_seconds == 45
    await verification.send_code(uow=root.uow(), mailer=mailer, policy=POLICY, user_id=u.id,
                                 now=t0 + timedelta(seconds=61))  # to the address of the pending code
    first, second = await smtp_server.wait_for(2)
    assert second.rcpt == ["i.ivanov@corp.example.ru"]
    if first.code() != second.code():
        with pytest.raises(CodeRefused):
            await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=u.id, code=first.code(),
                                            now=t0 + timedelta(seconds=62))
    status = await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=u.id, code=second.code(),
                                             now=t0 + timedelta(seconds=63))
    assert status.verified


@pytest.mark.parametrize(("email", "reason"), [("i.ivanov@gmail.com", "domain"), ("not-an-address", "format"),
                                               ("p.petrov@corp.example.ru", "taken")])
async def test_foreign_malformed_and_taken_addresses_get_no_code(root, smtp_server: LocalSmtp, email: str,
                                                                 reason: str) -> None:
    u = await f.user(root)
    await f.user(root, tg_id=None, login="p.petrov", email="P.Petrov@corp.example.ru")  # line 1 registered him
    with pytest.raises(EmailRefused) as err:
        await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY,
                                     user_id=u.id, email=email)
    assert err.value.reason == reason and "email" in err.value.fields
    assert smtp_server.received == []


async def test_a_mail_server_that_refuses_leaves_no_code_and_no_throttle(root, smtp_server: LocalSmtp) -> None:
    u = await f.user(root)
    smtp_server.refuse_next("451 4.3.0 try again later")
    with pytest.raises(MailNotSent):
        await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY,
                                     user_id=u.id, email="i.ivanov@corp.example.ru")
    async with root.session_factory() as s:
        assert await s.get(EmailCode, u.id) is None
    await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY, user_id=u.id,
                                 email="i.ivanov@corp.example.ru")  # at once: the failed one did not count
    assert len(await smtp_server.wait_for(1)) == 1


async def test_smtp_errors_are_transient_or_permanent(smtp_server: LocalSmtp) -> None:
    mail = Mail(to="a@corp.example.ru", subject="s", body="b")
    with pytest.raises(MailError) as down:
        await _mailer(free_port()).send(mail)  # nobody listens there
    assert down.value.transient
    smtp_server.refuse_next("554 5.7.1 rejected")
    with pytest.raises(MailError) as refused:
        await _mailer(smtp_server.port).send(mail)
    assert not refused.value.transient


async def test_approval_by_hand_is_kept_and_idempotent(root) -> None:
    u = await f.user(root, email=None)
    first = await verification.approve(uow=root.uow(), user_id=u.id, approved_by="1ЛТП: Иванова")
    again = await verification.approve(uow=root.uow(), user_id=u.id, approved_by="кто-то ещё")
    assert (first.verified, first.method, first.approved_by) == (True, "manual", "1ЛТП: Иванова")
    assert (again.approved_by, again.verified_at) == (first.approved_by, first.verified_at)
    await f.user(root, email="new@anywhere.org")  # a manual approval is of the person, not of an address
    assert await verification.may_file(uow=root.uow(), user_id=u.id, policy=POLICY)


async def test_nobody_is_gated_while_verification_is_off(root) -> None:
    u = await f.user(root)
    assert await verification.may_file(uow=root.uow(), user_id=u.id, policy=Policy(required=False))


async def test_an_address_someone_only_typed_goes_to_the_one_who_confirms_it(root, smtp_server: LocalSmtp) -> None:
    owner = await f.user(root, email=None)
    squatter = await f.user(root, tg_id=1002, login="x.other", email="I.Ivanov@corp.example.ru")  # typed, unconfirmed
    await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY, user_id=owner.id,
                                 email="i.ivanov@corp.example.ru")
    (mail,) = await smtp_server.wait_for(1)
    status = await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=owner.id, code=mail.code())
    assert status.verified and status.email == "i.ivanov@corp.example.ru"
    async with root.session_factory() as s:
        left = await s.get(verification.User, squatter.id)
        assert left is not None and left.email is None and left.login == "x.other"


async def test_an_address_line1_registered_or_someone_confirmed_stays_theirs(root, smtp_server: LocalSmtp) -> None:
    u = await f.user(root)
    await f.user(root, tg_id=None, login="by.phone", email="by.phone@corp.example.ru")  # line 1 after a call
    with pytest.raises(EmailRefused) as err:
        await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY,
                                     user_id=u.id, email="by.phone@corp.example.ru")
    assert err.value.reason == "taken"
    first = await f.user(root, tg_id=1003, login="c.confirmed", email=None)
    await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY,
                                 user_id=first.id, email="c.confirmed@corp.example.ru")
    (mail,) = await smtp_server.wait_for(1)
    await verification.confirm_code(uow=root.uow(), policy=POLICY, user_id=first.id, code=mail.code())
    with pytest.raises(EmailRefused):
        await verification.send_code(uow=root.uow(), mailer=_mailer(smtp_server.port), policy=POLICY,
                                     user_id=u.id, email="c.confirmed@corp.example.ru")

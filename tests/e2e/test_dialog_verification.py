"""Who may file (003): the work e-mail is confirmed by a code mailed through a real local SMTP server."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.mail.adapters import LogMailer
from core.settings import Settings
from core.tickets.models import Ticket
from core.verification import service as verification
from core.verification.models import EmailCode
from tests.conftest import ADMIN_TOKEN
from tests.e2e.dialogs import answer_every_step, db_user, fsm, onboard, tap
from tests.e2e.harness import BotHarness
from tests.smtp_server import LocalSmtp


@pytest.fixture
def settings(database_url: str, smtp_server: LocalSmtp) -> Settings:
    return Settings(database_url=database_url, admin_api_token=ADMIN_TOKEN, bot_token=None, kb_seed_sample=False,
                    require_email_verification=True, allowed_email_domains=["corp.example.ru"],
                    smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_starttls=False,
                    smtp_from="desk@corp.example.ru", _env_file=None)


async def _shift_code(h: BotHarness, *, back: timedelta, field: str, **values: object) -> None:
    """Moves a time of the pending code into the past (as if that much time went by), and sets other columns."""
    async with h.root.session_factory() as s:
        row = (await s.scalars(select(EmailCode))).one()
        setattr(row, field, getattr(row, field) - back)
        for k, v in values.items():
            setattr(row, k, v)
        await s.commit()


async def _tickets(h: BotHarness) -> int:
    async with h.root.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(Ticket)) or 0)


async def test_new_user_confirms_the_work_email_by_code_and_files(harness: BotHarness,
                                                                  smtp_server: LocalSmtp) -> None:
    h, uid = harness, 7101
    await onboard(h, uid, name="Петрова Анна Сергеевна", login="a.petrova")
    assert "Профиль сохранён" in (h.last_text(uid) or "") and "рабочую почту" in (h.last_text(uid) or "")
    await h.send_text(uid, "a.petrova@gmail.com")
    assert "нужна рабочая почта в домене @corp.example.ru" in (h.last_text(uid) or "")
    assert smtp_server.received == []
    await h.send_text(uid, "A.Petrova@corp.example.ru")
    assert "Отправил код на <b>A.Petrova@corp.example.ru</b>" in (h.last_text(uid) or "")
    (mail,) = await smtp_server.wait_for(1)
    assert mail.rcpt == ["A.Petrova@corp.example.ru"] and mail.message["From"] == "desk@corp.example.ru"
    await h.send_text(uid, "двенадцать")
    assert "6 цифр" in (h.last_text(uid) or "")
    wrong = "000000" if mail.code() != "000000" else "111111"
    await h.send_text(uid, wrong)
    assert "Код не подходит. Осталось попыток: 4" in (h.last_text(uid) or "")
    await h.send_text(uid, f"{mail.code()[:3]} {mail.code()[3:]}")
    assert "Почта <b>A.Petrova@corp.example.ru</b> подтверждена" in (h.last_text(uid) or "")
    assert (await db_user(h, uid)).email == "A.Petrova@corp.example.ru"
    await h.send_text(uid, "📝 Сообщить о проблеме")
    assert "Выберите сервис" in (h.last_text(uid) or "")
    await tap(h, uid, "CLM")
    await tap(h, uid, "Консультация")
    await answer_every_step(h, uid)
    assert "зарегистрировано" in (h.last_text(uid) or "") and await _tickets(h) == 1


async def test_an_unverified_user_cannot_file_but_reads_the_knowledge_base(harness: BotHarness,
                                                                          smtp_server: LocalSmtp) -> None:
    h, uid = harness, 7102
    await onboard(h, uid, login="p.petrov")
    await h.send_text(uid, "📝 Сообщить о проблеме")
    gate = h.last_text(uid) or ""
    assert "Обращения принимаются только от сотрудников компании" in gate and "База знаний" in gate
    assert "Выберите сервис" not in gate
    await h.send_text(uid, "🔎 База знаний")  # the menu works from the gate, and the knowledge base is open
    assert "поищу готовый ответ" in (h.last_text(uid) or "")
    await h.send_text(uid, "как сбросить пароль в CRM")
    assert "Ничего подходящего не нашлось" in (h.last_text(uid) or "")
    await tap(h, uid, "Создать обращение")  # from the search: the gate again
    assert "Обращения принимаются только от сотрудников" in (h.last_text(uid) or "")
    await h.send_text(uid, "/report")
    assert "Обращения принимаются только от сотрудников" in (h.last_text(uid) or "")
    assert await _tickets(h) == 0 and smtp_server.received == []


async def test_the_code_goes_on_with_the_report_it_stopped(harness: BotHarness, smtp_server: LocalSmtp) -> None:
    h, uid = harness, 7103
    await onboard(h, uid, login="i.sidorov@corp.example.ru")  # the profile already has a work e-mail
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "Отправить код на i.sidorov@corp.example.ru")
    await smtp_server.wait_for(1)
    calls = await tap(h, uid, "Отправить ещё раз")  # at once: refused with the wait
    alert = next(c for c in calls if c.name == "answerCallbackQuery")
    assert "Новый код можно запросить через" in (alert.params.get("text") or "") and alert.params.get("show_alert")
    await _shift_code(h, back=timedelta(minutes=2), field="sent_at")  # a minute and more later
    await tap(h, uid, "Отправить ещё раз")
    _, second = await smtp_server.wait_for(2)
    assert second.rcpt == ["i.sidorov@corp.example.ru"]
    await h.send_text(uid, second.code())
    texts = h.texts(uid)
    assert "подтверждена" in texts[-2] and "Выберите сервис" in texts[-1]  # straight on with the report


async def test_an_expired_code_and_too_many_tries_are_told(harness: BotHarness, smtp_server: LocalSmtp) -> None:
    h, uid = harness, 7104
    await onboard(h, uid, login="o.orlova")
    await h.send_text(uid, "o.orlova@corp.example.ru")
    (mail,) = await smtp_server.wait_for(1)
    await _shift_code(h, back=timedelta(minutes=16), field="expires_at")
    await h.send_text(uid, mail.code())
    assert "Срок действия кода истёк" in (h.last_text(uid) or "")
    await _shift_code(h, back=-timedelta(hours=1), field="expires_at", attempts=5)
    await h.send_text(uid, mail.code())
    assert "Слишком много неверных попыток" in (h.last_text(uid) or "")
    assert ["🔁 Отправить ещё раз", "✏️ Другой адрес"] in h.buttons(h.last_call(uid, with_inline=True))


async def test_a_person_approved_by_line1_files_without_a_code(harness: BotHarness, smtp_server: LocalSmtp) -> None:
    h, uid = harness, 7105
    await onboard(h, uid, login="k.kotov")
    await verification.approve(uow=h.root.uow(), user_id=(await db_user(h, uid)).id, approved_by="1ЛТП")
    await h.send_text(uid, "📝 Сообщить о проблеме")
    assert "Выберите сервис" in (h.last_text(uid) or "") and smtp_server.received == []


async def test_a_changed_email_stops_a_report_already_on_its_way(harness: BotHarness, smtp_server: LocalSmtp) -> None:
    h, uid = harness, 7106
    await onboard(h, uid, login="v.volkov@corp.example.ru")
    await tap(h, uid, "Отправить код")
    (mail,) = await smtp_server.wait_for(1)
    await h.send_text(uid, mail.code())
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "CLM")
    await tap(h, uid, "Консультация")
    async with h.root.session_factory() as s:  # meanwhile the profile got another address (another process)
        await s.execute(update(verification.User).where(verification.User.tg_id == uid)
                        .values(email="v.volkov@gmail.com"))
        await s.commit()
    h.root.user_cache.forget()
    await answer_every_step(h, uid)
    assert "Обращения принимаются только от сотрудников" in (h.last_text(uid) or "")
    assert await _tickets(h) == 0
    state, _ = await fsm(h, uid)
    assert state is None


async def test_without_smtp_the_code_is_in_the_log_and_can_be_typed(harness: BotHarness, smtp_server: LocalSmtp,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    h, uid = harness, 7107
    h.dp["mailer"] = LogMailer()  # what `make run` has with SMTP_HOST empty
    await onboard(h, uid, login="m.morozova")
    with caplog.at_level(logging.WARNING, logger="core.mail.adapters"):
        await h.send_text(uid, "m.morozova@corp.example.ru")
    assert "код записан в журнал бота" in (h.last_text(uid) or "")
    logged = next(r.getMessage() for r in caplog.records if "m.morozova@corp.example.ru" in r.getMessage())
    code = logged.split("Код подтверждения: ")[1][:6]
    await h.send_text(uid, code)
    assert "подтверждена" in (h.last_text(uid) or "") and smtp_server.received == []


async def test_an_english_client_gets_the_verification_and_the_mail_in_english(harness: BotHarness,
                                                                               smtp_server: LocalSmtp) -> None:
    h, uid = harness, 7108
    await h.send_text(uid, "/start", language_code="en")
    await h.send_text(uid, "Smith John William", language_code="en")
    await h.send_text(uid, "j.smith", language_code="en")
    await h.press(uid, h.button(uid, "МРФ Юг"), language_code="en")
    assert "Type your work e-mail" in (h.last_text(uid) or "")
    await h.send_text(uid, "j.smith@gmail.com", language_code="en")
    assert "a work e-mail in @corp.example.ru is needed" in (h.last_text(uid) or "")
    await h.send_text(uid, "j.smith@corp.example.ru", language_code="en")
    assert "I sent a code to" in (h.last_text(uid) or "")
    (mail,) = await smtp_server.wait_for(1)
    assert mail.subject.startswith("Confirmation code")
    await h.send_text(uid, mail.code(), language_code="en")
    assert "is confirmed" in (h.last_text(uid) or "")


async def test_a_taken_login_asked_again_still_leads_to_the_email_confirmation(harness: BotHarness,
                                                                               smtp_server: LocalSmtp) -> None:
    h, uid = harness, 7181
    await onboard(h, 7180, login="l.lebedev")
    await h.send_text(uid, "/start")
    await h.send_text(uid, "Лебедева Лена Львовна")
    await h.send_text(uid, "L.Lebedev")
    await tap(h, uid, "МРФ Волга")
    assert "уже указан в профиле другого сотрудника" in (h.last_text(uid) or "")
    await h.send_text(uid, "l.lebedeva")
    said = h.last_text(uid) or ""
    assert "Профиль сохранён" in said and "рабочую почту" in said and "МРФ" not in said
    assert (await fsm(h, uid))[0] == "VerifySG:email"
    assert (await db_user(h, uid)).login == "l.lebedeva"

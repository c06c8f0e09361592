from __future__ import annotations

from sqlalchemy import select

from core.tickets.models import Attachment, Ticket
from tests.e2e.dialogs import db_user, fsm, onboard, tap
from tests.e2e.harness import BotHarness


async def _tickets(h: BotHarness) -> list[Ticket]:
    async with h.root.session_factory() as s:
        return list((await s.scalars(select(Ticket).order_by(Ticket.id))).all())


async def test_incident_for_nttm_with_files_validation_and_an_edit(harness: BotHarness) -> None:
    h, uid = harness, 7101
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    assert "Шаги воспроизведения" in (h.last_text(uid) or "")
    await h.send_text(uid, "нажал")  # too short
    assert "слишком коротко" in (h.last_text(uid) or "")
    await h.send_text(uid, "Открыл наряд, нажал «Закрыть»")
    await h.send_text(uid, "Наряд закрывается")
    await h.send_text(uid, "Ошибка ORA-00001 при закрытии наряда")
    await tap(h, uid, "Пропустить")  # no request in an external system
    assert "Дополнительная информация" in (h.last_text(uid) or "")  # NTTM asks its own list (003)
    await h.send_text(uid, "Началось после обновления 21.11")
    await h.send_photo(uid)
    assert "принят" in (h.last_text(uid) or "")
    await h.send_document(uid, "virus.exe", "application/octet-stream", 1000)  # refused type
    assert "не принимаются" in (h.last_text(uid) or "")
    await h.send_document(uid, "huge.zip", "application/zip", 30 * 1024 * 1024)  # over the size limit
    assert "больше 20 МБ" in (h.last_text(uid) or "")
    await h.send_document(uid, "report.xlsx", "application/vnd.ms-excel", 4096)
    await tap(h, uid, "Готово")
    await tap(h, uid, "Много пользователей")  # NTTM's intake has no массовость field: the impact step asks it
    await tap(h, uid, "Да")  # work blocked
    await tap(h, uid, "Нет")  # no workaround
    assert "1 — критичный" in (h.last_text(uid) or "")  # many users + blocked + no workaround
    await tap(h, uid, "Согласен")
    summary = h.last_text(uid) or ""
    assert "Проверьте обращение" in summary and "Петров Пётр Петрович" not in summary
    assert "ORA-00001" in summary and "report.xlsx" in summary
    await tap(h, uid, "Ожидаемый результат")  # edit one field from the summary
    await h.send_text(uid, "Наряд закрывается без ошибок")
    assert "Наряд закрывается без ошибок" in (h.last_text(uid) or "")
    await tap(h, uid, "Отправить")
    done = h.last_text(uid) or ""
    assert "зарегистрировано" in done and "SD-" in done
    [ticket] = await _tickets(h)
    user = await db_user(h, uid)
    assert (ticket.requester_id, ticket.type, ticket.priority, ticket.status) == (user.id, "incident", 1, "assigned")
    assert ticket.fields["expected"] == "Наряд закрывается без ошибок"
    assert ticket.fields["additional"] == "Началось после обновления 21.11" and ticket.line == "line2"
    assert ticket.number in done
    async with h.root.session_factory() as s:
        files = list((await s.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id))).all())
    assert sorted(f.name for f in files)[1] == "report.xlsx" and len(files) == 2


async def test_incident_for_omnichat_with_back_and_deadlines(harness: BotHarness) -> None:
    h, uid = harness, 7102
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "ОмниЧат")
    await tap(h, uid, "Инцидент")
    assert "Шаг 1 из 7" in (h.last_text(uid) or "") and "продуктивной или препродуктивной" in (h.last_text(uid) or "")
    await tap(h, uid, "Препродуктивная")  # ОмниЧат (000) asks the environment
    assert "Шаг 2 из 7" in (h.last_text(uid) or "") and "Шаги воспроизведения" in (h.last_text(uid) or "")
    await h.send_text(uid, "жму")  # under the 10 characters the steps need
    refusal = h.last_text(uid) or ""
    assert "Не получилось: слишком коротко" in refusal and "Что вы делали по шагам" in refusal
    assert "Шаг 3" not in refusal and "Ожидаемый результат" not in refusal
    await h.send_text(uid, "Открыл карточку клиента, нажал «Сохранить»")  # taken as the same step, now valid
    assert "Шаг 3 из 7" in (h.last_text(uid) or "") and "Ожидаемый результат" in (h.last_text(uid) or "")
    await h.send_text(uid, "Карточка сохраняется")
    await h.send_text(uid, "Ошибка 500 при сохранении карточки")
    await h.send_text(uid, "01.01.2099 10:00")  # in the future
    assert "дата в будущем" in (h.last_text(uid) or "")
    await h.send_text(uid, "сейчас")
    await tap(h, uid, "Только я")
    await h.send_photo(uid)
    await h.send_document(uid, "log.txt", "text/plain", 2048)
    await tap(h, uid, "Готово")
    await tap(h, uid, "Да")  # blocked
    await tap(h, uid, "Нет")  # no workaround -> priority 2
    assert "2 — высокий" in (h.last_text(uid) or "")
    await tap(h, uid, "3 — средний")  # the user picks another priority
    await tap(h, uid, "Приоритет")  # edit it again from the summary, then go back
    await tap(h, uid, "Назад")
    assert "Проверьте обращение" in (h.last_text(uid) or "")
    await tap(h, uid, "Отправить")
    [ticket] = await _tickets(h)
    assert ticket.priority == 3 and ticket.fields["actual"] == "Ошибка 500 при сохранении карточки"
    assert ticket.fields["steps"] == "Открыл карточку клиента, нажал «Сохранить»"
    assert ticket.fields["environment"] == "preprod" and ticket.line == "line1"  # 1ЛТП processes every request
    done = h.last_text(uid) or ""
    assert ticket.number in done and "Ответим до" in done


async def test_back_returns_to_the_previous_step_and_cancel_in_the_middle(harness: BotHarness) -> None:
    h, uid = harness, 7103
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "CRM B2C")
    await tap(h, uid, "Консультация")
    await tap(h, uid, "Назад")
    assert "вид обращения" in (h.last_text(uid) or "")
    await tap(h, uid, "Инцидент")
    assert "Массовость" in (h.last_text(uid) or "")  # CRM B2C (001) starts with массовость
    await tap(h, uid, "Несколько человек")
    assert "На каком этапе возникают трудности" in (h.last_text(uid) or "")
    await tap(h, uid, "Назад")
    assert "Массовость" in (h.last_text(uid) or "")
    await tap(h, uid, "Отмена")
    assert "ничего не отправлено" in (h.last_text(uid) or "")
    await h.send_text(uid, "Карточка сохраняется")  # no dialog any more: free text, not a field
    assert "Создать обращение" in (h.last_text(uid) or "")
    assert await _tickets(h) == []


async def test_a_report_before_the_profile_collects_it_first_then_goes_on(harness: BotHarness) -> None:
    h, uid = harness, 7104
    await h.send_text(uid, "📝 Сообщить о проблеме")
    assert "Как вас зовут" in (h.last_text(uid) or "")
    await h.send_text(uid, "Сидоров Сидор Сидорович")
    await h.send_text(uid, "s.sidorov")
    await tap(h, uid, "МРФ ЮГ")  # МРФ as 001 names them
    assert "Выберите сервис" in (h.last_text(uid) or "")
    assert (await db_user(h, uid)).profile_complete
    await tap(h, uid, "CRM B2C")
    await tap(h, uid, "Предоставление доступа")  # full_name, login and region come from the profile
    assert "Роль" in (h.last_text(uid) or "") and "Шаг 1 из 1" in (h.last_text(uid) or "")
    await h.send_text(uid, "Оператор контакт-центра")
    await tap(h, uid, "Согласен")
    summary = h.last_text(uid) or ""
    assert "Сидоров Сидор Сидорович" in summary and "МРФ ЮГ" in summary
    await tap(h, uid, "Отправить")
    [ticket] = await _tickets(h)
    assert ticket.fields["login"] == "s.sidorov" and ticket.fields["role"] == "Оператор контакт-центра"
    assert ticket.line == "crm-duty"  # CRM B2C access requests go to its Дежурная смена


async def test_start_in_the_middle_of_a_report_says_the_draft_is_dropped(harness: BotHarness) -> None:
    h, uid = harness, 7395
    await onboard(h, uid)
    await h.send_text(uid, "/start")
    assert "Черновик" not in (h.last_text(uid) or "")  # nothing to drop
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    await h.send_text(uid, "Открыл наряд, нажал «Закрыть»")
    await h.send_text(uid, "/start")
    assert (h.last_text(uid) or "").startswith("Черновик обращения не сохранён")
    assert (await fsm(h, uid))[0] is None

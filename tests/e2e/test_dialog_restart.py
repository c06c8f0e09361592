from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.root import build_root
from core.catalog import service as catalog
from core.settings import Settings
from tests.e2e.dialogs import db_user, onboard, tap
from tests.e2e.harness import BotHarness, RecordingSession, UpdateFactory
from tests.e2e.test_dialog_report import _tickets


async def test_a_report_survives_a_restart(harness: BotHarness, settings: Settings) -> None:
    h, uid = harness, 7401
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "CLM")
    await tap(h, uid, "Запрос на изменение")
    await h.send_text(uid, "Добавить поле «Сегмент» в карточку клиента")
    await h.root.shutdown()  # the process stops in the middle of the report

    session = RecordingSession()
    root2 = build_root(settings, with_api=False, bot_session=session)
    await root2.startup()
    try:
        h2 = BotHarness(root2, session)
        h2.updates = UpdateFactory(start_update_id=50_000)  # Telegram's update ids go on after a restart
        await h2.send_text(uid, "В карточке видно поле «Сегмент»")  # the next field: expected result
        assert "Скриншоты и файлы" in (h2.last_text(uid) or "")
        await tap(h2, uid, "Готово")
        await tap(h2, uid, "Нет")  # not blocked
        await tap(h2, uid, "Нет")  # no workaround -> a change that blocks nothing: 4
        assert "4 — низкий" in (h2.last_text(uid) or "")
        await tap(h2, uid, "Согласен")
        await tap(h2, uid, "Отправить")
        [ticket] = await _tickets(h2)
        assert (ticket.type, ticket.priority) == ("change", 4)
        assert ticket.fields["description"] == "Добавить поле «Сегмент» в карточку клиента"
    finally:
        await root2.shutdown()


async def test_contract_service_asks_the_organisation_and_explains_a_refusal(harness: BotHarness) -> None:
    h, uid = harness, 7402
    today = datetime.now(UTC).date()
    await catalog.create_organisation(uow=h.root.uow(), name="ООО Ромашка",
                                      periods=[{"valid_from": today - timedelta(days=400),
                                                "valid_to": today - timedelta(days=30)}])
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "ТЕКОН")
    assert "организацию" in (h.last_text(uid) or "")
    await h.send_text(uid, "ООО Лютик")
    assert "Не нашёл организацию" in (h.last_text(uid) or "")
    await h.send_text(uid, "ооо ромашка")
    assert (await db_user(h, uid)).organisation_id is not None
    # the expired contract is told when the organisation is chosen, before the details are asked
    assert "нет действующего договора" in (h.last_text(uid) or "")
    assert await _tickets(h) == []
    assert "Изменить организацию" in str(h.buttons(h.last_call(uid, with_inline=True)))


async def test_a_contract_ended_while_the_details_were_typed_is_still_refused_at_send(harness: BotHarness) -> None:
    h, uid = harness, 7405
    today = datetime.now(UTC).date()
    org = await catalog.create_organisation(uow=h.root.uow(), name="ООО Ромашка",
                                            periods=[{"valid_from": today - timedelta(days=400),
                                                      "valid_to": today + timedelta(days=30)}])
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "ТЕКОН")
    await h.send_text(uid, "ООО Ромашка")
    await tap(h, uid, "Консультация")
    await h.send_text(uid, "Как выгрузить показания счётчиков за месяц?")
    await catalog.update_organisation(uow=h.root.uow(), org_id=org.id, changes={"periods": [
        {"valid_from": today - timedelta(days=400), "valid_to": today - timedelta(days=1)}]})
    await tap(h, uid, "Отправить")
    assert "нет действующего договора" in (h.last_text(uid) or "")
    assert await _tickets(h) == []
    assert "Изменить организацию" in str(h.buttons(h.last_call(uid, with_inline=True)))


class Killed(BaseException):
    """The process dies (kill -9) while a reply is on its way out."""


async def test_state_is_committed_before_the_reply_is_sent(harness: BotHarness) -> None:
    from sqlalchemy import select

    from bot.models import FsmRecord

    h, uid = harness, 7403
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "CLM")
    await tap(h, uid, "Запрос на изменение")
    h.session.fail_next("sendMessage", Killed())
    try:
        await h.send_text(uid, "Добавить поле «Сегмент» в карточку клиента")
    except Killed:
        pass
    async with h.root.session_factory() as s:  # what a restarted process reads
        row = await s.scalar(select(FsmRecord).where(FsmRecord.key.like(f"%:{uid}:{uid}:%")))
    assert row is not None and row.data["vals"] == {"description": "Добавить поле «Сегмент» в карточку клиента"}
    assert row.data["idx"] == 1  # already on the next step when the reply was leaving

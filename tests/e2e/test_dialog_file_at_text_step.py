"""Regression: a screenshot sent at a text step was refused and dropped («Файлы можно будет приложить позже»),
also where the request type has no files step at all (a consultation), so «позже» never came in the dialog."""

from __future__ import annotations

from sqlalchemy import select

from core.catalog import service as catalog
from core.tickets.models import Attachment
from tests.e2e.dialogs import answer_every_step, fsm, onboard, tap
from tests.e2e.harness import BotHarness
from tests.e2e.test_dialog_report import _tickets


async def test_a_screenshot_at_a_text_step_is_kept_for_the_ticket_and_the_step_stays(harness: BotHarness) -> None:
    h, uid = harness, 7971
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    await h.send_photo(uid, file_id="early-shot")
    told = h.last_text(uid) or ""
    assert "сохранён, он будет приложен к обращению" in told and "Шаги воспроизведения" in told
    state, data = await fsm(h, uid)
    assert (state, data["idx"], [f["file_id"] for f in data["files"]]) == ("ReportSG:field", 0, ["early-shot"])
    await answer_every_step(h, uid, until="ReportSG:summary")
    assert any("Уже приложено файлов: 1" in (c.text or "") for c in h.calls_to(uid, "sendMessage"))
    await tap(h, uid, "Отправить")
    [ticket] = await _tickets(h)
    async with h.root.session_factory() as s:
        files = (await s.scalars(select(Attachment.file_id).where(Attachment.ticket_id == ticket.id))).all()
    assert files == ["early-shot"]


async def test_a_file_where_the_type_has_no_files_step_points_to_my_requests(harness: BotHarness) -> None:
    h, uid = harness, 7972
    services = [s for s in await catalog.list_services(uow=h.root.uow()) if s.active and not s.requires_contract
                and "consultation" in (s.request_types or ["consultation"])]
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, services[0].name)
    await tap(h, uid, "Консультация")
    await h.send_photo(uid, file_id="question-shot")
    told = h.last_text(uid) or ""
    assert "после регистрации обращения" in told and "«Мои обращения»" in told
    state, data = await fsm(h, uid)
    assert (state, data["files"]) == ("ReportSG:field", [])

"""Regression: a service whose intake an administrator set to many long fields (each answer up to 4,000
characters, shown cut to 600 in the summary) got a summary longer than Telegram's 4,096 characters: refused
(«message is too long»), the user left at «Что-то пошло не так» with no way to send the report."""

from __future__ import annotations

from core.catalog import service as catalog
from tests.e2e.dialogs import answer_every_step, fsm, onboard, tap
from tests.e2e.harness import BotHarness

LONG = ["steps", "expected", "actual", "examples", "external_refs", "hang_details", "additional", "description"]


async def test_a_summary_of_many_long_answers_fits_one_message(harness: BotHarness) -> None:
    h, uid = harness, 7999
    await catalog.update_service(uow=h.root.uow(), code="nttm", changes={"intake": {"incident": LONG}})
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    for key in LONG:
        assert (await fsm(h, uid))[1]["keys"][(await fsm(h, uid))[1]["idx"]] == key
        await h.send_text(uid, (f"{key} <тег> & подробно. " * 200)[:3000])
        if key == "actual":  # the knowledge base is asked once the problem is described
            state, _ = await fsm(h, uid)
            if state == "ReportSG:kb":
                await tap(h, uid, "Не помогло")
    await answer_every_step(h, uid, until="ReportSG:summary")  # the impact questions and the priority
    state, _ = await fsm(h, uid)
    assert state == "ReportSG:summary"
    [summary] = [c for c in h.calls_to(uid, "sendMessage") if "Проверьте обращение" in (c.text or "")]
    assert summary.error is None and not h.errors
    assert "examples <тег>" not in (summary.text or "") and "examples &lt;тег&gt;" in (summary.text or "")
    await tap(h, uid, "Отправить")
    assert "зарегистрировано" in (h.last_text(uid) or "")

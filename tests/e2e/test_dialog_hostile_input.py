"""Regressions: forged button data read drafts and other people's tickets; a command was taken as an answer;
pushes ignored the Telegram client's language; button presses were not throttled."""

from __future__ import annotations

import logging

import pytest

from bot.callbacks import TicketCb
from bot.keyboards import MyCb, RepCb, SsCb
from core.tickets import service as tickets
from tests import factories as f
from tests.e2e.dialogs import db_user, fsm, onboard, tap
from tests.e2e.harness import BotHarness
from tests.e2e.test_dialog_report import _tickets

REFUSAL = "Эта кнопка больше не действует. Откройте меню, чтобы начать заново."


def _answer(calls: list) -> str | None:
    return next((c.params.get("text") for c in calls if c.name == "answerCallbackQuery"), None)


@pytest.mark.parametrize("status", ["draft", "archived"])
async def test_forged_callback_cannot_open_a_draft_or_archived_article(harness: BotHarness, status: str,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    h, uid = harness, 7801
    kb = h.root.kb
    secret = await kb.create_article(uow=h.root.uow(), title="Внутреннее", body="пароль от стенда: hunter2",
                                     status=status)
    public = await kb.create_article(uow=h.root.uow(), title="Как войти", body="Откройте портал")
    await onboard(h, uid)
    with caplog.at_level(logging.WARNING, logger="handlers.common"):
        for forged in (SsCb(a="art", id=secret.id).pack(), "ss:art:99999999999999999999", "ss:art:-1",
                       "ss:art:abc", SsCb(a="art", id=public.id + 1000).pack()):
            calls = await h.press(uid, forged)
            assert _answer(calls) == REFUSAL, forged
    assert "hunter2" not in str(h.texts(uid))
    assert sum("refused button" in r.message for r in caplog.records) == 5
    calls = await h.press(uid, SsCb(a="art", id=public.id).pack())
    assert "Откройте портал" in (h.last_text(uid) or "")


async def test_forged_callback_cannot_show_or_act_on_someone_elses_ticket(harness: BotHarness) -> None:
    h, uid = harness, 7802
    other = await f.user(h.root, tg_id=7899, login="other")
    t = await f.incident(h.root, other)
    await onboard(h, uid)
    for data in (TicketCb(action="open", ticket_id=t.id), MyCb(a="open", tid=t.id),
                 TicketCb(action="cancel", ticket_id=t.id), MyCb(a="cancel_yes", tid=t.id),
                 TicketCb(action="comment", ticket_id=t.id), TicketCb(action="open", ticket_id=2**40),
                 MyCb(a="page", page=-3)):
        await h.press(uid, data.pack())
    assert t.number not in str(h.texts(uid))
    ticket, _ = await tickets.get(uow=h.root.uow(), ticket_id=t.id)
    assert ticket.status == "assigned"  # not cancelled by a stranger
    assert (await fsm(h, uid))[0] is None  # no comment dialog was opened on it


async def test_forged_report_buttons_are_refused_and_the_step_stays(harness: BotHarness) -> None:
    h, uid = harness, 7803
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    assert _answer(await h.press(uid, RepCb(a="svc", v="no-such").pack())) == REFUSAL
    await tap(h, uid, "NTTM")
    assert _answer(await h.press(uid, RepCb(a="type", v="hack").pack())) == REFUSAL
    state, _ = await fsm(h, uid)
    assert state == "ReportSG:rtype"
    await h.press(uid, "pf:region:99")
    assert await _tickets(h) == []


async def test_unknown_command_inside_the_dialog_is_not_the_answer(harness: BotHarness) -> None:
    h, uid = harness, 7804
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    await h.send_text(uid, "/nosuchcommand")
    assert (h.last_text(uid) or "").startswith("Такой команды нет")
    state, data = await fsm(h, uid)
    assert state == "ReportSG:field" and data["idx"] == 0 and data["vals"] == {}
    await h.send_text(uid, "/var/log переполнен, открыл наряд")  # a path is text, not a command
    assert (await fsm(h, uid))[1]["vals"]


async def test_pushes_use_the_telegram_language_when_the_profile_has_none(harness: BotHarness) -> None:
    h, uid = harness, 7805
    await h.send_text(uid, "/start", language_code="en")
    assert (await db_user(h, uid)).locale == "en"
    user = await db_user(h, uid)
    t = await f.incident(h.root, user)
    staff = await f.staff(h.root, tg_id=uid + 100_000)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="take",
                               actor=tickets.Actor("staff", staff.id), params={})
    await h.deliver()
    assert "взято в работу" not in (h.last_text(uid) or "")
    assert t.number in (h.last_text(uid) or "")


async def test_button_presses_are_throttled_like_messages(harness: BotHarness) -> None:
    h, uid = harness, 7806
    await onboard(h, uid)
    h.tick = 0.05
    answers = [_answer(await h.press(uid, "rp:zz")) for _ in range(12)]
    assert "Слишком много сообщений подряд, подождите пару секунд" in answers
    assert answers.count(None) >= 5  # the rest is dropped silently

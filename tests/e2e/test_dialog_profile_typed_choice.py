"""Regression: a profile choice typed instead of pressed (the МРФ «Урал», the organisation «ромашка») moved the
dialog on and left the question's buttons as they were: a press there later did nothing the buttons promised."""

from __future__ import annotations

from tests.e2e.dialogs import fsm, tap
from tests.e2e.harness import BotHarness
from tests.e2e.test_dialog_organisation import _org, _to_tecon


def _shown(h: BotHarness, uid: int, message_id: int) -> object:
    return h.session.rules.contents[(uid, message_id)][1]  # the buttons Telegram shows under it now


def _question(h: BotHarness, uid: int, contains: str) -> int:
    [call] = [c for c in h.calls_to(uid, "sendMessage") if c.error is None and contains in (c.text or "")]
    return int(call.result.message_id)


async def test_a_typed_region_takes_the_buttons_off_the_region_question(harness: BotHarness) -> None:
    h, uid = harness, 7987
    await h.send_text(uid, "/start")
    await h.send_text(uid, "Петров Пётр Петрович")
    await h.send_text(uid, "p.petrov7987")
    asked = _question(h, uid, "Выберите ваш МРФ")
    assert _shown(h, uid, asked) is not None
    await h.send_text(uid, "Урал")
    assert (await fsm(h, uid))[0] != "ProfileSG:region" and _shown(h, uid, asked) is None


async def test_a_typed_organisation_takes_the_buttons_off_the_list(harness: BotHarness) -> None:
    h, uid = harness, 7988
    await _org(h, "ООО Ромашка")
    await _org(h, "АО «Ромашка-Сервис»")
    await _to_tecon(h, uid)
    first = _question(h, uid, "Выберите вашу организацию")
    await h.send_text(uid, "Лютик")  # not found: the list again below, the one above loses its buttons
    assert _shown(h, uid, first) is None
    again = _question(h, uid, "Не нашёл организацию")
    await h.send_text(uid, "ромашка")  # two match: a shorter list
    assert _shown(h, uid, again) is None
    short = _question(h, uid, "несколько организаций")
    await tap(h, uid, "Ромашка-Сервис")  # a press takes its own buttons off, as before
    assert _shown(h, uid, short) is None and "Организация: АО «Ромашка-Сервис»." in "\n".join(h.texts(uid))

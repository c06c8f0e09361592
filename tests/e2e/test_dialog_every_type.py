"""Regression: after «📨 Отправить» the user never got the ticket number (the callback was answered twice).

Through the strict harness (Telegram refuses a second answer to one button press), the report of every
request type of every service ends with the number and the deadlines on the user's screen.
"""

from __future__ import annotations

import re

import pytest

from core.catalog import service as catalog
from tests.e2e.dialogs import answer_every_step, fsm, onboard, tap
from tests.e2e.harness import BotHarness
from tests.e2e.test_dialog_report import _tickets

TYPES = {"incident": "Инцидент", "access_problem": "Проблема с доступом", "access_request": "Предоставление доступа",
         "change": "Запрос на изменение", "feature": "доработку", "consultation": "Консультация"}


@pytest.mark.parametrize("rtype", sorted(TYPES))
async def test_report_of_every_type_ends_with_the_number_and_deadlines(harness: BotHarness, rtype: str) -> None:
    h, uid = harness, 7700 + sorted(TYPES).index(rtype)
    services = [s for s in await catalog.list_services(uow=h.root.uow()) if s.active and not s.requires_contract
                and rtype in (s.request_types or TYPES)]
    assert services, f"no service offers {rtype}"
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, services[0].name)
    await tap(h, uid, TYPES[rtype])
    await answer_every_step(h, uid)
    [ticket] = await _tickets(h)
    assert ticket.type == rtype
    last = h.last_text(uid) or ""
    assert f"Обращение <b>{ticket.number}</b> зарегистрировано" in last
    assert re.search(r"Ответим .+, решим ", last), last
    assert (await fsm(h, uid))[0] is None
    answers = [c for c in h.sent if c.name == "answerCallbackQuery"]
    assert all(c.error is None for c in answers)  # no button press was answered twice or too late

"""ТЕКОН ОП4 (002 §5): ТП1 tells ТП2 the result of the solution at the user («Отправка уведомления в ТП2 о
результатах решения проблемы у пользователя»), which ТП2 waits for to set its incident's status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.catalog import service as catalog
from core.staffdesk import chats
from core.tickets import service as tickets
from core.tickets.service import Actor
from tests import factories as f
from tests.e2e.harness import BotHarness

TP1CHAT, TP2CHAT = -100_801, -100_802
USER, TP1 = 7801, 5801
DIAG = {"system_info": "Windows Server 2019, ТЕКОН 5.2", "log_files": "server.log", "screenshot": "screen.png"}
RESOLVED = {"closing_code": "resolved", "config_item": "Данные / ТЕКОН"}


async def test_tp2_was_not_told_the_result_at_the_user_of_an_op4(harness: BotHarness) -> None:
    h = harness
    today = datetime.now(UTC).date()
    org = await catalog.create_organisation(uow=h.root.uow(), name="АО Теплосеть", periods=[
        {"valid_from": today - timedelta(days=10), "valid_to": today + timedelta(days=300)}])
    u = await f.user(h.root, tg_id=USER, login=f"u{USER}", organisation_id=org.id)
    tp1 = Actor("staff", (await f.staff(h.root, line="tecon-projects", tg_id=TP1)).id)
    await chats.bind(uow=h.root.uow(), chat_id=TP1CHAT, group_code="tecon-projects", service_code=None)
    await chats.bind(uow=h.root.uow(), chat_id=TP2CHAT, group_code="tecon-programming", service_code=None)
    for chat in (TP1CHAT, TP2CHAT):
        h.session.chat_types[chat] = "supergroup"
    op3 = await tickets.register(uow=h.root.uow(), service_code="tecon", request_type="incident", priority=None,
                                 requester_id=u.id, fields={"description": "Не запускается модуль опроса",
                                                            "actual": "Ошибка 0x0005"})
    plain = await tickets.register(uow=h.root.uow(), service_code="tecon", request_type="incident", priority=None,
                                   requester_id=u.id, fields={"description": "Не строится отчёт", "actual": "Пусто"})
    for t in (op3, plain):
        await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="take", actor=tp1)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=op3.id, action="open_op4", actor=tp1,
                               params={"diagnostics": DIAG})
    await tickets.apply_action(uow=h.root.uow(), ticket_id=op3.id, action="set_internal_incident", actor=tp1,
                               params={"internal_incident": "INC-4711"})
    for t in (op3, plain):
        await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action="resolve", actor=tp1,
                                   params={"text": "Переустановите драйвер опроса", **RESOLVED})
    await tickets.apply_action(uow=h.root.uow(), ticket_id=op3.id, action="reject", actor=Actor("user", u.id),
                               params={"text": "Переустановил, ошибка та же"})
    await h.deliver()
    told = [x for x in h.texts(TP2CHAT) if "ОП4" in x]
    assert len(told) == 1 and "не помогло" in told[0] and "INC-4711" in told[0]
    assert "Переустановил, ошибка та же" in told[0] and op3.number in told[0]
    await tickets.apply_action(uow=h.root.uow(), ticket_id=op3.id, action="resolve", actor=tp1,
                               params={"text": "Обновите модуль до 5.2.1", **RESOLVED})
    await tickets.apply_action(uow=h.root.uow(), ticket_id=op3.id, action="confirm", actor=Actor("user", u.id))
    await tickets.apply_action(uow=h.root.uow(), ticket_id=plain.id, action="confirm", actor=Actor("user", u.id))
    await h.deliver()
    told = [x for x in h.texts(TP2CHAT) if "ОП4" in x]
    assert len(told) == 2 and "подтвердил, что проблема решена" in told[1] and "INC-4711" in told[1]
    assert not any(plain.number in x for x in h.texts(TP2CHAT))  # an ОП3 solved by ТП1 alone is not ТП2's

"""ТЕКОН as 002 says: the level follows the kind of request, ОП4 only from an open ОП3, closing only on confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from core.catalog import service as catalog
from core.catalog.models import Service
from core.errors import Conflict, Forbidden, ValidationFailed
from core.sla import clock
from core.tickets import service as tickets
from core.tickets.autoclose import autoclose
from core.tickets.service import Actor
from tests import factories as f

DIAG = {"system_info": "Windows Server 2019, ТЕКОН 5.2", "log_files": "server.log",
        "screenshot": "screen.png"}


async def _requester(root, tg_id: int = 1001):
    today = datetime.now(UTC).date()
    org = await catalog.create_organisation(uow=root.uow(), name=f"АО Теплосеть {tg_id}", periods=[
        {"valid_from": today - timedelta(days=10), "valid_to": today + timedelta(days=300)}])
    return await f.user(root, tg_id=tg_id, login=f"u{tg_id}", organisation_id=org.id)


async def _tecon(root, user, rtype: str, **fields):
    base = {"consultation": {"question": "Как выгрузить показания за месяц?"},
            "file_transfer": {"description": "Пришлите патч 5.2.1 для модуля опроса"},
            "incident": {"description": "Не запускается модуль опроса", "actual": "Ошибка 0x0005"}}[rtype]
    return await tickets.register(uow=root.uow(), service_code="tecon", request_type=rtype, priority=None,
                                  requester_id=user.id, fields=base | fields)


async def test_the_level_follows_the_kind_of_request_and_is_not_chosen(root) -> None:
    u = await _requester(root)
    levels = {t: (await _tecon(root, u, t)).priority for t in ("consultation", "file_transfer", "incident")}
    assert levels == {"consultation": 4, "file_transfer": 3, "incident": 2}  # ОП1, ОП2, ОП3
    with pytest.raises(ValidationFailed) as err:  # ОП4 cannot be asked for at registration
        await tickets.register(uow=root.uow(), service_code="tecon", request_type="incident", priority=1,
                               requester_id=u.id, fields={"description": "Не запускается модуль опроса",
                                                          "actual": "Ошибка 0x0005"})
    assert "priority" in err.value.fields


async def test_op4_is_opened_only_from_an_open_op3_by_staff_with_diagnostic_data(root) -> None:
    u = await _requester(root)
    tp1 = await f.staff(root, line="tecon-projects", tg_id=8001)
    op1 = await _tecon(root, u, "consultation")
    with pytest.raises(Conflict):
        await tickets.apply_action(uow=root.uow(), ticket_id=op1.id, action="open_op4",
                                   actor=Actor("staff", tp1.id), params={"diagnostics": DIAG})
    op3 = await _tecon(root, u, "incident")
    with pytest.raises(Forbidden):  # not the user's choice
        await tickets.apply_action(uow=root.uow(), ticket_id=op3.id, action="open_op4", actor=Actor("user", u.id),
                                   params={"diagnostics": DIAG})
    with pytest.raises(Conflict):  # not by re-choosing the level either
        await tickets.apply_action(uow=root.uow(), ticket_id=op3.id, action="change_priority",
                                   actor=Actor("staff", tp1.id), params={"priority": 1})
    await tickets.apply_action(uow=root.uow(), ticket_id=op3.id, action="take", actor=Actor("staff", tp1.id))
    with pytest.raises(ValidationFailed) as err:
        await tickets.apply_action(uow=root.uow(), ticket_id=op3.id, action="open_op4",
                                   actor=Actor("staff", tp1.id), params={"diagnostics": {"log_files": "a.log"}})
    assert set(err.value.fields) == {"diagnostics.system_info", "diagnostics.screenshot"}
    opened_at = datetime.now(UTC)
    op4 = await tickets.apply_action(uow=root.uow(), ticket_id=op3.id, action="open_op4",
                                     actor=Actor("staff", tp1.id), params={"diagnostics": DIAG}, now=opened_at)
    assert op4.priority == 1 and op4.fields["diagnostics"] == DIAG
    sla = await clock.ticket_sla(uow=root.uow(), ticket_id=op4.id, now=opened_at)
    target = sla["targets"]["op4_incident"]
    assert target["due_at"] == opened_at + timedelta(hours=3) and target["met_at"] is None
    with pytest.raises(Conflict):  # only once: it is no longer an ОП3
        await tickets.apply_action(uow=root.uow(), ticket_id=op3.id, action="open_op4",
                                   actor=Actor("staff", tp1.id), params={"diagnostics": DIAG})
    done = await tickets.apply_action(uow=root.uow(), ticket_id=op3.id, action="set_internal_incident",
                                      actor=Actor("staff", tp1.id), params={"internal_incident": "INC-4711"},
                                      now=opened_at + timedelta(hours=2))
    assert done.internal_incident == "INC-4711"
    sla = await clock.ticket_sla(uow=root.uow(), ticket_id=op4.id, now=opened_at + timedelta(hours=2))
    assert sla["targets"]["op4_incident"]["met_at"] == opened_at + timedelta(hours=2)
    assert not sla["targets"]["op4_incident"]["breached"]


async def test_tecon_is_never_closed_without_the_users_confirmation(root) -> None:
    u = await _requester(root)
    tp1 = await f.staff(root, line="tecon-projects", tg_id=8002)
    t = await _tecon(root, u, "file_transfer")
    staff = Actor("staff", tp1.id)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=staff)
    resolved_at = datetime.now(UTC) - timedelta(days=60)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="resolve", actor=staff,
                               params={"text": "Патч отправлен", "closing_code": "resolved",
                                       "config_item": "Данные / ТЕКОН"}, now=resolved_at)
    with pytest.raises(ValidationFailed) as err:  # an administrator cannot turn auto-closing on for it
        await catalog.update_service(uow=root.uow(), code="tecon", changes={"autoclose": True})
    assert "autoclose" in err.value.fields
    async with root.session_factory() as s:  # even a row changed behind the API's back
        await s.execute(update(Service).where(Service.code == "tecon").values(autoclose=True))
        await s.commit()
    assert await autoclose(uow_factory=root.uow, working_days=3) == 0
    with pytest.raises(Conflict):
        await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="close", actor=staff,
                                   params={"closing_code": "resolved", "solution": "Патч отправлен",
                                           "config_item": "ТЕКОН / патчи"})
    closed = await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="confirm", actor=Actor("user", u.id))
    assert closed.status == "closed"


async def test_auto_close_is_off_for_every_service_until_turned_on(root) -> None:
    for svc in await catalog.list_services(uow=root.uow()):
        assert svc.autoclose is False, svc.code
    u = await f.user(root)
    s = await f.staff(root)
    t = await f.incident(root, u)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", s.id))
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="resolve", actor=Actor("staff", s.id),
                               params={"text": "Перезапущен сервис", **f.CLOSING},
                               now=datetime.now(UTC) - timedelta(days=60))
    assert await autoclose(uow_factory=root.uow, working_days=3) == 0
    await catalog.update_service(uow=root.uow(), code="nttm", changes={"autoclose": True})
    assert await autoclose(uow_factory=root.uow, working_days=3) == 1


async def test_op3_could_not_record_the_number_of_the_matching_incident(root) -> None:
    # 002 §4 ОП3: «установка в открытом запросе ... ссылки (номера) инцидента соответствующего данной проблеме»
    # was refused as belonging to ОП4 only; an ОП1 still has none
    u = await _requester(root)
    tp1 = await f.staff(root, line="tecon-projects", tg_id=8001)
    op3 = await _tecon(root, u, "incident")
    await tickets.apply_action(uow=root.uow(), ticket_id=op3.id, action="take", actor=Actor("staff", tp1.id))
    done = await tickets.apply_action(uow=root.uow(), ticket_id=op3.id, action="set_internal_incident",
                                      actor=Actor("staff", tp1.id), params={"internal_incident": "INC-1200"})
    assert done.internal_incident == "INC-1200" and done.priority == 2  # still an ОП3
    op1 = await _tecon(root, u, "consultation")
    with pytest.raises(Conflict):
        await tickets.apply_action(uow=root.uow(), ticket_id=op1.id, action="set_internal_incident",
                                   actor=Actor("staff", tp1.id), params={"internal_incident": "INC-1"})

"""One setup per service, as each regulation in shared/seeds/ lists it: intake, request types, first group."""

from __future__ import annotations

import pytest

from core.catalog import service as catalog
from core.catalog.intake import intake_fields
from core.errors import Forbidden, ValidationFailed
from core.tickets import service as tickets
from core.tickets.service import Actor
from tests import factories as f

# The regulation's list, written out here (not read from the seed): (required fields, optional fields).
INTAKE = {
    # 000: productive or pre-productive environment
    ("omnichat", "incident"): (["environment", "steps", "expected", "actual", "occurred_at", "affected_users"],
                               ["attachments"]),
    # 001: массовость; the stage (in the program / at login) and the steps with the time; for hangs their
    # duration and frequency; examples (логин, ЛС, наряд, линия, ФИО абонента); a screenshot
    ("crm-b2c", "incident"): (["affected_users", "stage", "steps", "occurred_at", "examples", "screenshot"],
                              ["hang_details"]),
    # 003 «Регистрация обращения» / «Проверка корректности и достаточности»: steps, expected, actual (error text)
    # required; related numbers in external systems, anything else, screenshots recommended
    ("nttm", "incident"): (["steps", "expected", "actual"], ["external_refs", "additional", "attachments"]),
    # 003 «Решение проблем с доступом»: ФИО, логин/e-mail, описание; скриншот дополнительно
    ("nttm", "access_problem"): (["full_name", "login", "description"], ["attachments"]),
    # 003 «Запрос на доработку»: ФИО, current role in the system, e-mail, «Я, как …», result; a screenshot
    ("nttm", "feature"): (["full_name", "current_role", "email", "statement", "result"], ["attachments"]),
    # 002: the company (profile, contract-checked) and the requester's name, then the matter
    ("tecon", "consultation"): (["full_name", "question"], []),
    ("tecon", "file_transfer"): (["full_name", "description"], ["attachments"]),
    ("tecon", "incident"): (["full_name", "description", "actual"], ["attachments"]),
}

TYPES = {
    "omnichat": ["incident", "access_request", "consultation", "feature"],
    "crm-b2c": ["incident", "access_request", "change", "feature", "consultation"],
    "nttm": ["feature", "access_request", "access_problem", "incident"],  # 003 «Виды обращений»
    "clm": ["incident", "access_request", "change", "feature", "consultation"],
    "tecon": ["consultation", "file_transfer", "incident"],  # ОП1, ОП2, ОП3; ОП4 only from an open ОП3
}

FIRST_GROUP = {
    ("omnichat", "incident"): "line1", ("omnichat", "access_request"): "line1",  # 000: 1ЛТП processes all
    ("omnichat", "consultation"): "line1", ("omnichat", "feature"): "line1",
    ("crm-b2c", "access_request"): "crm-duty", ("crm-b2c", "incident"): "crm-line2",
    ("clm", "access_request"): "clm-admin", ("clm", "incident"): "clm-incidents", ("clm", "feature"): "clm-dev",
    ("nttm", "incident"): "line2", ("nttm", "access_request"): "line1", ("nttm", "access_problem"): "line1",
    ("nttm", "feature"): "dev", ("nttm", "consultation"): "line2",  # Табл. 3: consultations by 2ЛТП
    ("tecon", "consultation"): "tecon-projects", ("tecon", "file_transfer"): "tecon-projects",
    ("tecon", "incident"): "tecon-projects",
}


@pytest.mark.parametrize(("service", "rtype"), sorted(INTAKE))
async def test_each_service_asks_what_its_regulation_lists(root, service: str, rtype: str) -> None:
    svc = await catalog.get_service(uow=root.uow(), code=service)
    specs = intake_fields(service_intake=svc.intake, request_type=rtype)
    required, optional = INTAKE[(service, rtype)]
    assert sorted(s.key for s in specs if s.required) == sorted(required)
    assert sorted(s.key for s in specs if not s.required) == sorted(optional)


async def test_each_service_offers_only_the_types_its_regulation_names(root) -> None:
    for code, types in TYPES.items():
        assert (await catalog.get_service(uow=root.uow(), code=code)).request_types == types, code


@pytest.mark.parametrize(("service", "rtype"), sorted(FIRST_GROUP))
async def test_routing_per_service_and_type(root, service: str, rtype: str) -> None:
    from core.tickets import routing

    svc = await catalog.get_service(uow=root.uow(), code=service)
    async with root.session_factory() as s:
        assert await routing.first_group(s, service=svc, request_type=rtype) == FIRST_GROUP[(service, rtype)]


async def test_nttm_incident_with_steps_expected_and_actual_is_accepted(root) -> None:
    u = await f.user(root)
    t = await tickets.register(uow=root.uow(), service_code="nttm", request_type="incident", priority=3,
                               requester_id=u.id, fields={"steps": "Открыл наряд, нажал «Закрыть»",
                                                          "expected": "Наряд закрыт", "actual": "Ошибка ORA-00001"})
    assert t.line == "line2" and set(t.fields) == {"steps", "expected", "actual"}


async def test_crm_incident_needs_stage_and_a_screenshot(root) -> None:
    u = await f.user(root)
    fields = {"affected_users": "one", "steps": "Открыл карточку, нажал «Сохранить» в 14:05",
              "occurred_at": "сейчас", "examples": "ЛС 123456789"}
    with pytest.raises(ValidationFailed) as err:
        await tickets.register(uow=root.uow(), service_code="crm-b2c", request_type="incident", priority=3,
                               requester_id=u.id, fields=fields)
    assert {"stage", "screenshot"} <= set(err.value.fields)
    t = await tickets.register(uow=root.uow(), service_code="crm-b2c", request_type="incident", priority=3,
                               requester_id=u.id, fields=fields | {"stage": "login"},
                               attachments=[tickets.FileRef(file_id="f1", name="screen.png")])
    assert t.line == "crm-line2" and t.fields["stage"] == "login"


async def test_feature_statement_must_have_the_form_of_003(root) -> None:
    u = await f.user(root)
    base = {"current_role": "Оператор", "result": "Кнопка «Выгрузить» на форме отчёта"}
    with pytest.raises(ValidationFailed) as err:
        await tickets.register(uow=root.uow(), service_code="nttm", request_type="feature", priority=4,
                               requester_id=u.id, fields=base | {"statement": "Хочу выгружать отчёт в Excel, срочно"})
    assert "Я, как" in err.value.fields["statement"]
    t = await tickets.register(uow=root.uow(), service_code="nttm", request_type="feature", priority=4,
                               requester_id=u.id, fields=base | {
                                   "statement": "Я, как оператор, хочу иметь возможность выгружать отчёт в Excel"})
    assert t.line == "dev" and t.fields["current_role"] == "Оператор"


async def test_member_of_another_services_group_cannot_take_or_act(root) -> None:
    u = await f.user(root)
    crm_line2 = await f.staff(root, line="crm-line2", tg_id=7001)
    clm_admin = await f.staff(root, line="clm-admin", tg_id=7002, coordinator=True, manager=True)
    nttm_ticket = await f.incident(root, u)  # NTTM: shared 2ЛТП
    with pytest.raises(Forbidden):
        await tickets.apply_action(uow=root.uow(), ticket_id=nttm_ticket.id, action="take",
                                   actor=Actor("staff", crm_line2.id))
    access = await tickets.register(uow=root.uow(), service_code="crm-b2c", request_type="access_request",
                                    priority=3, requester_id=u.id, fields={"role": "Оператор"})
    assert access.line == "crm-duty"
    # even a service manager of CLM has no say on a CRM B2C ticket
    for action in ("take", "change_priority"):
        with pytest.raises(Forbidden):
            await tickets.apply_action(uow=root.uow(), ticket_id=access.id, action=action,
                                       actor=Actor("staff", clm_admin.id), params={"priority": 2})
    duty = await f.staff(root, line="crm-duty", tg_id=7003)
    taken = await tickets.apply_action(uow=root.uow(), ticket_id=access.id, action="take",
                                       actor=Actor("staff", duty.id))
    assert taken.status == "in_progress" and taken.assignee_id == duty.id


async def test_escalation_goes_to_the_services_own_group_of_the_next_line(root) -> None:
    u = await f.user(root)
    crm_line2 = await f.staff(root, line="crm-line2", tg_id=7101)
    t = await tickets.register(uow=root.uow(), service_code="crm-b2c", request_type="incident", priority=3,
                               requester_id=u.id, fields={"affected_users": "one", "stage": "work",
                                                          "steps": "Открыл карточку в 10:00", "occurred_at": "сейчас",
                                                          "examples": "ЛС 1", "screenshot": ["screen.png"]})
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", crm_line2.id))
    with pytest.raises(ValidationFailed):  # another service's group is no escalation target
        await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="escalate",
                                   actor=Actor("staff", crm_line2.id), params={"to_line": "clm-dev"})
    up = await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="escalate",
                                    actor=Actor("staff", crm_line2.id),
                                    params={"to_line": "line3", "defect": "Карточка не сохраняется",
                                            "fix_requirements": "Карточка сохраняется"})
    assert up.line == "crm-line3"

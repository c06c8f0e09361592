"""Staff are told privately of what concerns them: an assignment, a return to their coordinator, the user's answer
or comment on their ticket, a reopen after the user rejected the solution; never of what they did themselves."""

from __future__ import annotations

from typing import Any

from core.tickets import service as tickets
from core.tickets.models import Ticket
from core.tickets.service import Actor
from tests import factories as f
from tests.e2e.harness import BotHarness
from tests.e2e.staff_helpers import staff

UID, COORDINATOR, MEMBER = 7201, 8201, 8202


async def _act(h: BotHarness, t: Ticket, action: str, actor: Actor, **params: Any) -> Ticket:
    return await tickets.apply_action(uow=h.root.uow(), ticket_id=t.id, action=action, actor=actor, params=params)


async def test_assignee_told_of_assignment_and_coordinator_of_the_return(harness: BotHarness) -> None:
    coordinator = Actor("staff", (await staff(harness, COORDINATOR, is_coordinator=True)).id)
    member = await staff(harness, MEMBER, locale="en")
    u = await f.user(harness.root, tg_id=UID, login=f"u{UID}")
    t = await f.incident(harness.root, u, actual="Падает <отчёт>")
    await _act(harness, t, "assign", coordinator, assignee_id=member.id)
    await harness.deliver()
    assert harness.texts(MEMBER) == [f"Request <b>{t.number}</b> P3 «Падает &lt;отчёт&gt;» has been assigned to you."]
    assert harness.texts(COORDINATOR) == []  # the coordinator assigned it: nothing to tell them
    await _act(harness, t, "return_to_coordinator", Actor("staff", member.id), reason="Не наш профиль")
    await harness.deliver()
    assert harness.texts(COORDINATOR) == [f"Обращение <b>{t.number}</b> P3 «Падает &lt;отчёт&gt;» возвращено "
                                          "координатору. Причина: Не наш профиль"]
    assert len(harness.texts(MEMBER)) == 1


async def test_assignee_told_of_the_users_answer_comment_and_rejection(harness: BotHarness) -> None:
    member = Actor("staff", (await staff(harness, MEMBER)).id)
    u = await f.user(harness.root, tg_id=UID, login=f"u{UID}")
    user = Actor("user", u.id)
    t = await f.incident(harness.root, u)
    await _act(harness, t, "take", member)
    await _act(harness, t, "request_info", member, text="Какой браузер?")
    await _act(harness, t, "user_answers", user, text="Chrome 120")
    await tickets.add_comment(uow=harness.root.uow(), ticket_id=t.id, actor=user, text="И ещё скриншот")
    await tickets.add_comment(uow=harness.root.uow(), ticket_id=t.id, actor=member, text="внутреннее", public=False)
    await _act(harness, t, "resolve", member, text="Очистили кэш", **f.CLOSING)
    await _act(harness, t, "reject", user, text="Не помогло")
    await harness.deliver()
    texts = harness.texts(MEMBER)
    assert len(texts) == 3, texts
    assert texts[0].startswith("Пользователь ответил на вопрос по обращению") and texts[0].endswith("Chrome 120")
    assert texts[1].startswith("Новый комментарий пользователя") and texts[1].endswith("И ещё скриншот")
    assert "отклонил решение" in texts[2] and texts[2].endswith("Не помогло")


async def test_an_answer_with_a_file_tells_the_assignee_once_with_the_file_count(harness: BotHarness) -> None:
    member = Actor("staff", (await staff(harness, MEMBER)).id)
    u = await f.user(harness.root, tg_id=UID, login=f"u{UID}")
    t = await f.incident(harness.root, u)
    await _act(harness, t, "take", member)
    await _act(harness, t, "request_info", member, text="Пришлите лог")
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="user_answers", actor=Actor("user", u.id),
                               params={"text": "вот лог"}, files=[tickets.FileRef(file_id="F1", name="trace.log")])
    await harness.deliver()
    assert harness.texts(MEMBER) == [f"Пользователь ответил на вопрос по обращению <b>{t.number}</b> P3 "
                                     f"«{t.title}»:\nвот лог\n📎 Приложено файлов: 1"]


async def test_service_manager_heard_of_a_p1_incident_only_from_sla_alarms(harness: BotHarness) -> None:
    # 000: the service manager coordinates P1-2 incidents; they were told only when a deadline neared or passed
    manager = await staff(harness, 8203, is_service_manager=True)
    u = await f.user(harness.root, tg_id=UID, login=f"u{UID}")
    urgent = await f.incident(harness.root, u, priority=1)
    await f.incident(harness.root, u, priority=3)
    await harness.deliver()
    texts = harness.texts(8203)
    assert len(texts) == 1 and texts[0].startswith(f"🚨 Новый инцидент <b>{urgent.number}</b> P1")
    assert "на вашей координации" in texts[0]
    later = await f.incident(harness.root, u, priority=3)
    await _act(harness, later, "change_priority", Actor("staff", manager.id), priority=2)  # raised by the manager
    await harness.deliver()
    assert len(harness.texts(8203)) == 1  # not told of what they did themselves
    other = await staff(harness, 8204, line="line1")
    third = await f.incident(harness.root, u, priority=4)
    await _act(harness, third, "change_priority", Actor("staff", other.id), priority=2)
    await harness.deliver()
    assert harness.texts(8203)[-1].startswith(f"🚨 Приоритет инцидента <b>{third.number}</b> P2")


async def test_service_manager_was_not_told_how_a_p1_incident_is_resolved(harness: BotHarness) -> None:
    # 000: 2ЛТП and 3ЛТП «информирование Сервис-менеджера Системы о ходе решения инцидентов»; the manager heard of a
    # P1 incident at its registration and then only from SLA alarms: nothing of its escalation, workaround, solution
    await staff(harness, 8205, is_service_manager=True, locale="en")
    manager = Actor("staff", (await staff(harness, 8203, is_service_manager=True)).id)
    member = Actor("staff", (await staff(harness, MEMBER)).id)
    dev = Actor("staff", (await staff(harness, 8206, line="line3")).id)
    u = await f.user(harness.root, tg_id=UID, login=f"u{UID}")
    user = Actor("user", u.id)
    t = await f.incident(harness.root, u, priority=1)
    low = await f.incident(harness.root, u, priority=3)
    await _act(harness, low, "take", member)  # a P3 incident's steps are not the managers'
    for action, actor, params in (
            ("take", member, {}),
            ("escalate", member, {"to_line": "line3", "defect": "Падает сохранение",
                                  "fix_requirements": "Сохраняется"}),
            ("take", dev, {}), ("give_workaround", dev, {"text": "Сохраняйте через меню"}),
            ("resolve", dev, {"text": "Исправлено патчем", **f.CLOSING}), ("reject", user, {"text": "Не помогло"}),
            ("resolve", manager, {"text": "Ещё раз", **f.CLOSING}),  # the manager's own step: not told to them
            ("confirm", user, {})):
        await _act(harness, t, action, actor, **params)
        await harness.deliver()  # as it goes: a step still unsent when the ticket closes is left out
    head = f"<b>{t.number}</b> P1 «{t.title}»"
    steps = [x.split("»: ", 1)[-1] for x in harness.texts(8203)[1:]]
    assert steps == ["взят в работу.", "передан в группу «3ЛТП (разработка)».", "взят в работу.",
                     "пользователю дано временное решение.", "решён, ждёт подтверждения пользователя.",
                     "пользователь отклонил решение, он снова в работе.", "закрыт, пользователь подтвердил решение."]
    assert harness.texts(8203)[1] == f"ℹ️ Инцидент {head}, сервис «NTTM»: взят в работу."
    assert harness.texts(8205)[-1] == f"✅ Incident {head}, service «NTTM»: closed, the user confirmed the solution."
    assert len(harness.texts(8205)) == 9  # registration and eight steps, the other manager's own one too

from __future__ import annotations

from sqlalchemy import select

from bot.callbacks import TicketCb
from core.outbox.models import OutboxEvent
from core.sla.models import TicketSla
from core.tickets import service as tickets
from core.tickets.models import Attachment, Comment, Ticket
from core.tickets.service import Actor
from tests import factories
from tests.e2e.dialogs import db_user, onboard, tap
from tests.e2e.harness import BotHarness


async def _ticket(h: BotHarness, tid: int) -> Ticket:
    async with h.root.session_factory() as s:
        t = await s.get(Ticket, tid)
        assert t is not None
        return t


async def _setup(h: BotHarness, uid: int) -> tuple[Ticket, Actor]:
    await onboard(h, uid)
    user = await db_user(h, uid)
    ticket = await factories.incident(h.root, user, service="nttm")
    staff = await factories.staff(h.root, line="line2", tg_id=90_000 + uid)
    actor = Actor("staff", staff.id)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=ticket.id, action="take", actor=actor)
    return ticket, actor


async def _asked(h: BotHarness, uid: int, question: str) -> Ticket:
    """A ticket of the user's that a specialist asked a question on."""
    ticket, staff = await _setup(h, uid)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=ticket.id, action="request_info", actor=staff,
                               params={"text": question})
    return ticket


async def _reply_pressed(h: BotHarness, uid: int, question: str) -> Ticket:
    """A ticket asked `question`, opened from «Мои обращения» with «Ответить» pressed."""
    ticket = await _asked(h, uid, question)
    await h.send_text(uid, "📋 Мои обращения")
    await tap(h, uid, ticket.number)
    await tap(h, uid, "Ответить")
    return ticket


async def _answered(h: BotHarness, uid: int, ticket: Ticket, text: str) -> None:
    """The answer reached the ticket: the user thanked, the question gone, the clock running, the comment kept."""
    assert "Ответ передан специалисту" in (h.last_text(uid) or "")
    t = await _ticket(h, ticket.id)
    assert t.status == "in_progress" and t.pending_question is None
    async with h.root.session_factory() as s:
        assert (await s.get(TicketSla, ticket.id)).paused_since is None
        texts = [c.text for c in (await s.scalars(select(Comment).where(Comment.ticket_id == ticket.id))).all()]
    assert text in texts


async def test_answering_a_staff_question_resumes_the_clock(harness: BotHarness) -> None:
    h, uid = harness, 7301
    ticket, staff = await _setup(h, uid)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=ticket.id, action="request_info", actor=staff,
                               params={"text": "Какой браузер <и версия>?"})
    async with h.root.session_factory() as s:
        assert (await s.get(TicketSla, ticket.id)).paused_since is not None
    await h.send_text(uid, "📋 Мои обращения")
    listing = h.last_text(uid) or ""
    assert ticket.number in listing and "ждёт вашего ответа" in listing and "Срок решения остановлен" in listing
    await tap(h, uid, ticket.number)  # the detail view, edited in place
    detail = h.sent[-1]
    assert detail.name == "editMessageText" and "Какой браузер &lt;и версия&gt;?" in (detail.text or "")
    assert "взято в работу" in (detail.text or "")
    await tap(h, uid, "Ответить")
    await h.send_text(uid, "Chrome 120")
    await _answered(h, uid, ticket, "Chrome 120")


async def test_confirm_a_resolution_from_the_push_button(harness: BotHarness) -> None:
    h, uid = harness, 7302
    ticket, staff = await _setup(h, uid)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=ticket.id, action="resolve", actor=staff,
                               params={"text": "Перезапустили сервис", **factories.CLOSING})
    await h.press(uid, TicketCb(action="confirm", ticket_id=ticket.id))
    assert "закрыто" in (h.last_text(uid) or "")
    t = await _ticket(h, ticket.id)
    assert (t.status, t.closing_code) == ("closed", "resolved")
    await h.press(uid, TicketCb(action="confirm", ticket_id=ticket.id))  # a second tap: already closed
    assert h.sent[-1].name == "answerCallbackQuery" and "недоступно" in (h.sent[-1].text or "")


async def test_reject_a_resolution_with_a_comment(harness: BotHarness) -> None:
    h, uid = harness, 7303
    ticket, staff = await _setup(h, uid)
    await tickets.apply_action(uow=h.root.uow(), ticket_id=ticket.id, action="resolve", actor=staff,
                               params={"text": "Очистите кэш", **factories.CLOSING})
    async with h.root.session_factory() as s:
        assert (await s.get(TicketSla, ticket.id)).paused_since is not None  # resolve paused the clock
    await h.press(uid, TicketCb(action="open", ticket_id=ticket.id))
    assert "Очистите кэш" in (h.last_text(uid) or "")
    await tap(h, uid, "Не помогло")
    await h.send_text(uid, "Кэш очистил, ошибка осталась")
    assert "возвращено в работу" in (h.last_text(uid) or "")
    assert (await _ticket(h, ticket.id)).status == "in_progress"
    async with h.root.session_factory() as s:
        assert (await s.get(TicketSla, ticket.id)).paused_since is None
        comments = (await s.scalars(select(Comment).where(Comment.ticket_id == ticket.id))).all()
    mine = [(c.author_kind, c.author_id, c.public) for c in comments if c.text == "Кэш очистил, ошибка осталась"]
    assert mine == [("user", ticket.requester_id, True)]


async def test_comment_with_a_file_and_cancel_with_confirmation(harness: BotHarness) -> None:
    h, uid = harness, 7304
    ticket, _ = await _setup(h, uid)
    await h.press(uid, TicketCb(action="comment", ticket_id=ticket.id))
    await h.send_document(uid, "trace.log", "text/plain", 999, caption="лог ошибки")
    assert "Добавлено" in (h.last_text(uid) or "")
    async with h.root.session_factory() as s:
        att = await s.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert att is not None and att.name == "trace.log" and att.comment_id is not None
    await h.press(uid, TicketCb(action="cancel", ticket_id=ticket.id))
    await tap(h, uid, "Нет")
    assert (await _ticket(h, ticket.id)).status == "in_progress"
    await h.press(uid, TicketCb(action="cancel", ticket_id=ticket.id))
    await tap(h, uid, "Да, отменить")
    assert (await _ticket(h, ticket.id)).status == "cancelled"


async def test_paged_list_and_someone_elses_ticket(harness: BotHarness) -> None:
    h, uid = harness, 7305
    await onboard(h, uid)
    user = await db_user(h, uid)
    made = [await factories.incident(h.root, user, service="clm") for _ in range(7)]
    await h.send_text(uid, "/my")
    first = h.last_text(uid) or ""
    assert "всего 7" in first and made[-1].number in first and made[0].number not in first
    await tap(h, uid, "➡️")
    assert h.sent[-1].name == "editMessageText" and made[0].number in (h.sent[-1].text or "")
    other = await factories.user(h.root, tg_id=7399, login="other")
    foreign = await factories.incident(h.root, other)
    await h.press(uid, TicketCb(action="open", ticket_id=foreign.id))
    assert "не найдено" in (h.last_text(uid) or "")
    await h.press(uid, TicketCb(action="cancel", ticket_id=foreign.id))
    assert (await _ticket(h, foreign.id)).status == "assigned"


async def test_an_answer_typed_without_pressing_reply_is_asked_about_and_sent(harness: BotHarness) -> None:
    # The text was taken for a new problem («Похоже, вы описываете проблему…») and the clock stayed stopped.
    h, uid = harness, 7311
    ticket = await _asked(h, uid, "Номер наряда?")
    await h.send_text(uid, "Наряд 7788-2026, ошибка была в 14:05")
    asked = h.last_text(uid) or ""
    assert ticket.number in asked and "Номер наряда?" in asked and "Это ответ на его вопрос?" in asked
    await tap(h, uid, "Да, отправить как ответ")
    await _answered(h, uid, ticket, "Наряд 7788-2026, ошибка была в 14:05")


async def test_a_new_problem_typed_while_a_question_waits_goes_on_as_a_new_request(harness: BotHarness) -> None:
    h, uid = harness, 7312
    ticket = await _asked(h, uid, "Номер наряда?")
    await h.send_text(uid, "Не открывается отчёт по нарядам в NTTM, белый экран")
    await tap(h, uid, "Нет, это другое")
    assert "Создать обращение" in str(h.sent[-1].reply_markup or "") + (h.last_text(uid) or "")
    assert (await _ticket(h, ticket.id)).status == "waiting_user"  # the question still waits


async def test_an_answer_sent_as_a_photo_with_a_caption_is_taken(harness: BotHarness) -> None:
    # «Ответить», then a screenshot captioned «вот скрин»: refused as «Сейчас я жду другой ответ…»
    h, uid = harness, 7313
    ticket = await _reply_pressed(h, uid, "Пришлите скриншот ошибки")
    await h.send_photo(uid, caption="вот скрин")
    await _answered(h, uid, ticket, "вот скрин")
    async with h.root.session_factory() as s:
        assert len((await s.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id))).all()) == 1


async def test_an_answer_with_a_file_was_two_events_and_two_staff_notices(harness: BotHarness) -> None:
    # The file went in as a comment of its own, then the caption as the answer: two transactions, two notices.
    h, uid = harness, 7314
    ticket = await _reply_pressed(h, uid, "Пришлите лог")
    await h.send_document(uid, "trace.log", "text/plain", 999, caption="лог за сегодня")
    await _answered(h, uid, ticket, "лог за сегодня")
    async with h.root.session_factory() as s:
        events = (await s.scalars(select(OutboxEvent).where(OutboxEvent.ticket_id == ticket.id)
                                  .order_by(OutboxEvent.id))).all()
        answer = (await s.scalars(select(Comment).where(Comment.ticket_id == ticket.id,
                                                        Comment.author_kind == "user"))).all()
        files = (await s.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id))).all()
    assert [e.topic for e in events if e.topic in ("ticket.comment", "ticket.user_answers")] == ["ticket.user_answers"]
    assert events[-1].payload["files"] == 1
    assert len(answer) == 1 and [a.comment_id for a in files] == [answer[0].id]

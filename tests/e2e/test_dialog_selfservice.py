from __future__ import annotations

from sqlalchemy import select

from kb.models import KbMiss, KbOffer, KbRequest
from tests.e2e.dialogs import onboard, tap
from tests.e2e.harness import BotHarness
from tests.e2e.test_dialog_report import _tickets

TITLE = "Не приходит код подтверждения при входе в ОмниЧат"
BODY = "<b>Проверьте</b> номер телефона в профиле и запросите код повторно через 60 секунд."


async def _article(h: BotHarness) -> int:
    art = await h.root.kb.create_article(uow=h.root.uow(), title=TITLE, body=BODY, tags=["код", "вход"])
    return art.id


async def _offers(h: BotHarness) -> list[KbOffer]:
    async with h.root.session_factory() as s:
        return list((await s.scalars(select(KbOffer).order_by(KbOffer.id))).all())


async def test_article_helps_during_a_report_and_no_ticket_is_made(harness: BotHarness) -> None:
    h, uid = harness, 7201
    art_id = await _article(h)
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Проблема с доступом")
    await h.send_text(uid, "Не приходит код подтверждения при входе")  # description: the KB is searched
    assert "ответ уже есть в базе знаний" in (h.last_text(uid) or "")
    await tap(h, uid, "Не приходит код")  # open the article
    assert "запросите код повторно" in (h.last_text(uid) or "")
    await tap(h, uid, "Помогло")
    assert "рад, что статья помогла" in (h.last_text(uid) or "")
    assert await _tickets(h) == []
    [offer] = await _offers(h)
    assert (offer.article_id, offer.helped, offer.context) == (art_id, True, "report")
    async with h.root.session_factory() as s:
        req = await s.scalar(select(KbRequest))
    assert req is not None and req.solved_by_article_id == art_id
    await h.send_text(uid, "Карточка сохраняется")  # the dialog is over
    assert "Создать обращение" in (h.last_text(uid) or "")


async def test_article_does_not_help_and_the_report_goes_on(harness: BotHarness) -> None:
    h, uid = harness, 7202
    await _article(h)
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Проблема с доступом")
    await h.send_text(uid, "Не приходит код подтверждения при входе")
    await tap(h, uid, "Не помогло")
    assert "Скриншоты и файлы" in (h.last_text(uid) or "")  # the next field
    await tap(h, uid, "Готово")
    await tap(h, uid, "Только я")  # the impact questions ask who is affected when the type has no such field
    await tap(h, uid, "Да")  # blocked
    await tap(h, uid, "Нет")  # no workaround; one user with access problem -> 3
    await tap(h, uid, "Согласен")
    await tap(h, uid, "Отправить")  # the same article is not offered twice
    [ticket] = await _tickets(h)
    assert (ticket.type, ticket.priority) == ("access_problem", 3)
    assert ticket.fields["full_name"] == "Петров Пётр Петрович"  # pre-filled from the profile
    [offer] = await _offers(h)
    assert offer.helped is False and offer.answered_at is not None


async def test_free_text_searches_then_offers_a_prefilled_report(harness: BotHarness) -> None:
    h, uid = harness, 7203
    await _article(h)
    await onboard(h, uid)
    await h.send_text(uid, "не приходит код подтверждения, не могу войти")
    assert "базе знаний" in (h.last_text(uid) or "")
    await tap(h, uid, "Не помогло")
    assert "Создадим обращение" in (h.last_text(uid) or "")
    await tap(h, uid, "Создать обращение")
    await tap(h, uid, "ОмниЧат")
    await tap(h, uid, "Консультация")  # its only field (question) comes from the free text
    assert "предлагаю приоритет" in (h.last_text(uid) or "")
    await tap(h, uid, "Согласен")
    assert "не приходит код подтверждения" in (h.last_text(uid) or "")
    await tap(h, uid, "Отправить")
    [ticket] = await _tickets(h)
    assert ticket.fields["question"] == "не приходит код подтверждения, не могу войти"
    assert [o.context for o in await _offers(h)] == ["free_text"]
    async with h.root.session_factory() as s:
        requests = list((await s.scalars(select(KbRequest))).all())
    assert len(requests) == 1 and requests[0].solved_by_article_id is None  # one request, started by the text


async def test_knowledge_base_search_from_the_menu(harness: BotHarness) -> None:
    h, uid = harness, 7204
    await _article(h)
    await onboard(h, uid)
    await h.send_text(uid, "🔎 База знаний")
    await h.send_text(uid, "код подтверждения")
    assert TITLE in (h.last_text(uid) or "")
    await h.send_text(uid, "🔎 База знаний")
    await h.send_text(uid, "квантовая телепортация бухгалтерии")
    assert "Ничего подходящего" in (h.last_text(uid) or "")
    assert [o.context for o in await _offers(h)] == ["search"]
    async with h.root.session_factory() as s:
        misses = list((await s.scalars(select(KbMiss))).all())
    # the unanswered question is kept for GET /kb/gaps, the answered one is not
    assert [(m.query, m.context, m.service) for m in misses] == [("квантовая телепортация бухгалтерии", "search", None)]


async def test_unknown_command_and_a_sticker(harness: BotHarness) -> None:
    h, uid = harness, 7205
    await onboard(h, uid)
    await h.send_text(uid, "/foo")
    assert "Такой команды нет" in (h.last_text(uid) or "")
    from aiogram.types import Sticker

    sticker = Sticker(file_id="st", file_unique_id="st", type="regular", width=1, height=1, is_animated=False,
                      is_video=False)
    await h.feed(h.updates.message(uid, None, sticker=sticker))
    assert "Я понимаю текст" in (h.last_text(uid) or "")


async def test_free_text_that_an_article_solves_records_the_outcome(harness: BotHarness) -> None:
    h, uid = harness, 7206
    art_id = await _article(h)
    await onboard(h, uid)
    await h.send_text(uid, "не приходит код подтверждения при входе")
    await tap(h, uid, "Помогло")  # without opening: the first (best) article is credited
    assert "рад, что статья помогла" in (h.last_text(uid) or "")
    async with h.root.session_factory() as s:
        req = await s.scalar(select(KbRequest))
    assert req is not None and req.solved_by_article_id == art_id
    assert [(o.helped, o.context) for o in await _offers(h)] == [(True, "free_text")]
    await h.press(uid, "ss:yes:0")  # a second tap on the old button
    assert "уже закрыт" in (h.sent[-1].text or "") and len(await _offers(h)) == 1
    assert await _tickets(h) == []

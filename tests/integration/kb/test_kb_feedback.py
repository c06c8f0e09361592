"""Offers, feedback and the self-service figures."""

from __future__ import annotations

import pytest

from app.root import Root
from core.errors import ValidationFailed
from kb import service as kb_service
from kb.service import KnowledgeBase
from tests import factories


async def test_stats_after_offers_and_feedback(root: Root) -> None:
    kb: KnowledgeBase = root.kb
    a = await kb.create_article(uow=root.uow(), title="Сброс пароля", body="Портал самообслуживания.")
    b = await kb.create_article(uow=root.uow(), title="Настройка VPN", body="Клиент VPN.")
    u = await factories.user(root)
    first = await kb.record_request_started(uow=root.uow(), user_id=u.id)
    offers = await kb.record_offers(uow=root.uow(), user_id=u.id, query="забыл пароль", article_ids=[a.id, b.id],
                                    context="report")
    assert len(offers) == 2 and offers[0] != offers[1]
    await kb.record_feedback(uow=root.uow(), offer_ids=offers, helped_article_id=a.id)
    # The module functions are the same contract for callers without root.kb.
    await kb_service.record_request_started(uow=root.uow(), user_id=u.id)
    more = await kb_service.record_offers(uow=root.uow(), user_id=u.id, query="впн", article_ids=[b.id],
                                          context="search")
    await kb_service.record_feedback(uow=root.uow(), offer_ids=more, helped_article_id=None)
    await kb.record_offers(uow=root.uow(), user_id=None, query="впн", article_ids=[b.id], context="free_text")

    st = await kb.stats(uow=root.uow())
    per = {r["id"]: r for r in st["articles"]}
    assert per[a.id] | {"title": None} == {"id": a.id, "title": None, "status": "published", "service": None,
                                           "offered": 1, "answered": 1, "helped": 1, "not_helped": 0,
                                           "tickets_after_offer": 0, "helped_share": 1.0}
    assert per[b.id]["not_helped"] == 2
    assert (per[b.id]["offered"], per[b.id]["answered"], per[b.id]["helped"], per[b.id]["helped_share"]) == (
        3, 2, 0, 0.0)
    assert st["overall"] == {"offers": 4, "helped": 1, "helped_share": 0.25, "requests_started": 2,
                             "requests_solved": 1, "self_service_rate": 0.5}
    assert first > 0


async def test_feedback_must_name_an_offered_article(root: Root) -> None:
    kb: KnowledgeBase = root.kb
    a = await kb.create_article(uow=root.uow(), title="Сброс пароля", body="Портал самообслуживания.")
    b = await kb.create_article(uow=root.uow(), title="Настройка VPN", body="Клиент VPN.")
    offers = await kb.record_offers(uow=root.uow(), user_id=None, query="пароль", article_ids=[a.id],
                                    context="report")
    with pytest.raises(ValidationFailed):
        await kb.record_feedback(uow=root.uow(), offer_ids=offers, helped_article_id=b.id)
    with pytest.raises(ValidationFailed):
        await kb.record_offers(uow=root.uow(), user_id=None, query="x", article_ids=[a.id], context="chat")
    st = await kb.stats(uow=root.uow())
    assert st["overall"]["helped"] == 0 and st["articles"][0]["answered"] == 0
    assert st["overall"]["self_service_rate"] is None  # no request started: no rate rather than 0


async def test_deleted_article_keeps_its_figures(root: Root) -> None:
    kb: KnowledgeBase = root.kb
    a = await kb.create_article(uow=root.uow(), title="Сброс пароля", body="Портал самообслуживания.")
    offers = await kb.record_offers(uow=root.uow(), user_id=None, query="пароль", article_ids=[a.id], context="api")
    await kb.record_feedback(uow=root.uow(), offer_ids=offers, helped_article_id=a.id)
    await kb.delete_article(uow=root.uow(), article_id=a.id)
    st = await kb.stats(uow=root.uow())
    assert st["articles"][0]["status"] == "deleted" and st["articles"][0]["helped"] == 1


async def test_stats_per_service_count_tickets_filed_after_an_offer(root: Root) -> None:
    kb: KnowledgeBase = root.kb
    a = await kb.create_article(uow=root.uow(), title="NTTM: тикет вернули", body="Дополните тикет.", service="nttm")
    b = await kb.create_article(uow=root.uow(), title="Сброс пароля", body="Портал самообслуживания.")
    u = await factories.user(root)
    other = await factories.user(root, tg_id=1002, login="p.petrov")
    offers = await kb.record_offers(uow=root.uow(), user_id=u.id, query="тикет вернули", article_ids=[a.id],
                                    context="report")
    await kb.record_feedback(uow=root.uow(), offer_ids=offers, helped_article_id=None)
    await kb.record_offers(uow=root.uow(), user_id=other.id, query="пароль", article_ids=[b.id], context="report")
    await factories.incident(root, u)  # filed after the offer that did not help

    st = await kb.stats(uow=root.uow())
    per = {r["id"]: r for r in st["articles"]}
    assert (per[a.id]["not_helped"], per[a.id]["tickets_after_offer"]) == (1, 1)
    assert per[b.id]["tickets_after_offer"] == 0  # another user's ticket does not count
    by_service = {s["service"]: s for s in st["services"]}
    assert by_service["nttm"] == {"service": "nttm", "offered": 1, "helped": 0, "not_helped": 1,
                                  "tickets_after_offer": 1, "helped_share": 0.0}
    assert by_service[None]["offered"] == 1

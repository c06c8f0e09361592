"""Information notices «по … прочим случаям» (003 «Рассылка уведомлений пользователям Системы»: «Обновления
информации о Системе и прочим случаям»): there was no way to send one; outages, works and releases only."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from app.root import Root
from core.broadcasts.models import Broadcast, BroadcastRecipient
from core.mail import bulletins
from core.mail.models import EmailNotice
from core.mail.notices import plan_notices
from core.outages import subscriptions
from core.outages.models import ServiceSubscription
from tests import factories as f

API = "/api/v1/news"


async def test_no_information_notice_could_be_sent_for_other_news(root: Root, client: httpx.AsyncClient) -> None:
    keen = await f.user(root, tg_id=3201, login="keen", email="keen@corp.example.ru")
    quiet = await f.user(root, tg_id=3202, login="quiet")
    crm = await f.user(root, tg_id=3203, login="crm")
    for u in (keen, quiet):
        await f.incident(root, u, service="nttm")
    await subscriptions.set_subscription(uow=root.uow(), user_id=crm.id, service_code="crm-b2c", on=True)
    async with root.session_factory() as s:  # releases off: other news still reaches them
        s.add(ServiceSubscription(user_id=quiet.id, service_code="nttm", releases=False))
        await s.commit()
    await bulletins.replace_addresses(uow=root.uow(), service_code="nttm", addresses=["list@corp.example.ru"])
    await plan_notices(uow=root.uow())  # the tickets' own mails are not what this is about
    async with root.session_factory() as s:
        await s.execute(EmailNotice.__table__.delete())
        await s.commit()

    r = await client.post(API, json={"services": ["nttm"], "title": "Новая инструкция <по нарядам>",
                                     "text": "Опубликована в базе знаний.", "created_by": "Иванова (1ЛТП)"})
    assert r.status_code == 201, r.text
    bid = r.json()["broadcast_id"]
    async with root.session_factory() as s:
        b = await s.get(Broadcast, bid)
        chats = set((await s.scalars(select(BroadcastRecipient.chat_id)
                                     .where(BroadcastRecipient.broadcast_id == bid))).all())
    assert b is not None and b.kind == "news" and b.created_by == "Иванова (1ЛТП)"
    assert chats == {3201, 3202}  # NTTM's users, releases off or not; not CRM's
    assert "Новая инструкция &lt;по нарядам&gt;" in b.texts["ru"] and "NTTM" in b.texts["ru"]
    assert "Information notice" in b.texts["en"]
    # and by e-mail to all NTTM's addresses, as the other notices (003: «на адреса всех пользователей системы»)
    assert await plan_notices(uow=root.uow()) == 3
    async with root.session_factory() as s:
        mails = list((await s.scalars(select(EmailNotice).order_by(EmailNotice.address))).all())
    assert [m.address for m in mails] == ["keen@corp.example.ru", "list@corp.example.ru", "quiet@example.ru"]
    assert {m.subject for m in mails} == {"Информационное письмо NTTM"}
    assert "Новая инструкция <по нарядам>" in mails[0].body and "Опубликована в базе знаний." in mails[0].body


async def test_an_information_notice_without_text_or_for_an_unknown_service_is_refused(
        root: Root, client: httpx.AsyncClient) -> None:
    for body, field in (({"services": ["nttm"], "title": "Т", "text": "   "}, "text"),
                        ({"services": ["nope"], "title": "Т", "text": "Текст"}, "services")):
        r = await client.post(API, json=body)
        assert r.status_code == 422, r.text
        assert field in r.json()["error"]["fields"]
    async with root.session_factory() as s:
        assert (await s.scalars(select(Broadcast))).first() is None

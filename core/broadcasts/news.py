"""Information notices «по … прочим случаям» (003 «Рассылка уведомлений пользователям Системы»: «Обновления
информации о Системе и прочим случаям»): news of a service that is neither an outage nor works nor a release.

One notice is one broadcast to the services' line chats, their service managers and their audience (Telegram),
and one `notice.email` outbox event (e-mail to all the services' addresses), both in the transaction that writes
it, the way outages and planned works are told.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from sqlalchemy import select

from core.broadcasts.service import ChatTarget, add_broadcast, users_audience
from core.catalog.models import Service
from core.errors import ValidationFailed
from core.mail.bulletins import add_bulletin
from core.outages import audience
from core.uow import UnitOfWork

KIND = "news"


def texts(*, title: str, text: str, names: Sequence[str]) -> dict[str, str]:
    """The notice in Russian and English (HTML, the entered texts escaped)."""
    svc = escape(", ".join(names))
    body = escape(text)
    return {"ru": f"📢 <b>Информационное сообщение: {escape(title)}</b>\nСервис: {svc}\n{body}",
            "en": f"📢 <b>Information notice: {escape(title)}</b>\nService: {svc}\n{body}"}


async def announce(*, uow: UnitOfWork, services: Sequence[str], title: str, text: str,
                   created_by: str | None = None) -> int:
    """Sends an information notice to everyone who hears about these services; returns its broadcast id."""
    codes = list(dict.fromkeys(c.strip() for c in services if c.strip()))
    problems: dict[str, str] = {}
    if not codes:
        problems["services"] = "Сервисы: хотя бы один код"
    if not title.strip():
        problems["title"] = "Заголовок сообщения"
    if not text.strip():
        problems["text"] = "Текст сообщения"
    if problems:
        raise ValidationFailed("information notice refused: " + ", ".join(problems), fields=problems)
    async with uow:
        s = uow.session
        found = dict((await s.execute(select(Service.code, Service.name).where(Service.code.in_(codes)))).all())
        if unknown := [c for c in codes if c not in found]:
            raise ValidationFailed(f"unknown services: {', '.join(unknown)}", fields={"services": ", ".join(unknown)})
        body = texts(title=" ".join(title.split()), text=text.strip(), names=[found[c] for c in codes])
        chats = [ChatTarget(chat_id=c) for c in await audience.service_chats(s, codes)]
        chats += await audience.managers(s, codes)
        b = await add_broadcast(s, kind=KIND, texts=body, chats=chats, audience=users_audience(
            audience.audience_ids(codes)), progress_chat_id=await audience.line1_chat(s), created_by=created_by)
        add_bulletin(s, kind=KIND, services=codes, texts=body, subject=f"news:{b.id}")
        await uow.commit()
        return b.id

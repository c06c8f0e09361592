"""Admin API: an information notice «по … прочим случаям» to everyone who hears about a service (003)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from admin_api.deps import Uow
from admin_api.fields import SafeStr
from admin_api.schemas import In, Out
from core.broadcasts import news

router = APIRouter(tags=["information notices"])


class NewsIn(In):
    services: list[SafeStr] = Field(min_length=1, max_length=20, examples=[["nttm"]])
    title: SafeStr = Field(min_length=1, max_length=300, examples=["Новая инструкция по созданию нарядов"])
    text: SafeStr = Field(min_length=1, max_length=3000, examples=["Инструкция опубликована в базе знаний."])
    created_by: SafeStr | None = Field(default=None, max_length=200)


class NewsOut(Out):
    broadcast_id: int


@router.post("/news", response_model=NewsOut, status_code=201)
async def announce(body: NewsIn, uow: Uow) -> NewsOut:
    """Sends an information notice that is neither an outage nor works nor a release (003 «Обновления информации о
    Системе и прочим случаям»): the services' chats, service managers and audience in Telegram, and e-mail to all
    the services' addresses. Its progress is `GET /broadcasts/{broadcast_id}`."""
    bid = await news.announce(uow=uow(), services=body.services, title=body.title, text=body.text,
                              created_by=body.created_by)
    return NewsOut(broadcast_id=bid)

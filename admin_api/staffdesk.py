"""Admin API: staff invitations (a link that binds a Telegram account) and line chats (group bindings)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from admin_api.deps import AppSettings, Uow, services_of
from admin_api.fields import Code, Id, SafeStr, TgId
from admin_api.schemas import In, Out
from core.errors import ValidationFailed
from core.staffdesk import chats, invitations
from core.staffdesk.port import TelegramLink

router = APIRouter(tags=["staff"])


def get_telegram(request: Request) -> TelegramLink:
    return services_of(request).telegram


Telegram = Annotated[TelegramLink, Depends(get_telegram)]


class InvitationIn(In):
    line_code: SafeStr | None = Field(default=None, examples=["line2"], description="the group of a new staff record")
    staff_id: Id | None = Field(default=None, description="an existing staff record to link instead")
    is_coordinator: bool = False
    is_service_manager: bool = False
    curator_region: SafeStr | None = Field(default=None, max_length=100)
    curator_services: list[Code] = Field(default_factory=list, max_length=100,
                                         description="the systems a new МРФ curator approves access to")
    full_name: SafeStr = Field(default="", max_length=300)


class InvitationOut(Out):
    code: str
    link: str | None = Field(description="https://t.me/<bot>?start=<code>; null while the bot's username is unknown")
    line_code: str
    staff_id: int | None
    is_coordinator: bool
    is_service_manager: bool
    expires_at: datetime


class LineChatIn(In):
    chat_id: TgId = Field(lt=0, examples=[-1001234567890], description="the group's id (negative)")
    group_code: SafeStr = Field(examples=["line2"])
    service_code: SafeStr | None = Field(default=None, description="null: the group's chat for all its services")


class LineChatOut(Out):
    id: int
    chat_id: int
    group_code: str
    service_code: str | None
    title: str
    forum: bool
    status: str = Field(description="active, or broken (the bot was removed or lost its rights; see reason)")
    reason: str | None
    updated_at: datetime


@router.post("/staff/invitations", response_model=InvitationOut, status_code=201)
async def create_invitation(uow: Uow, settings: AppSettings, telegram: Telegram, body: InvitationIn) -> InvitationOut:
    """A one-use link that binds whoever opens it in Telegram to a staff record (expires after INVITATION_HOURS)."""
    if (body.line_code is None) == (body.staff_id is None):
        raise ValidationFailed("give either line_code or staff_id",
                               fields={"line_code": "Группа нового сотрудника или staff_id существующего"})
    inv = await invitations.create(uow=uow(), line_code=body.line_code, staff_id=body.staff_id,
                                   is_coordinator=body.is_coordinator, is_service_manager=body.is_service_manager,
                                   curator_region=body.curator_region, curator_services=body.curator_services,
                                   full_name=body.full_name,
                                   hours=settings.invitation_hours)
    username = settings.bot_username or (await telegram.port.username() if telegram.port is not None else None)
    return InvitationOut(code=inv.code, link=invitations.link(username, inv.code), line_code=inv.line_code,
                         staff_id=inv.staff_id, is_coordinator=inv.is_coordinator,
                         is_service_manager=inv.is_service_manager, expires_at=inv.expires_at)


@router.post("/line-chats", response_model=LineChatOut, status_code=201)
async def bind_chat(uow: Uow, telegram: Telegram, body: LineChatIn) -> LineChatOut:
    """Binds a Telegram group to a support group; with a bot, first checks the bot's own rights there."""
    title, forum = "", False
    if telegram.port is not None:
        check = await telegram.port.check_chat(body.chat_id)
        if not check.ok:
            raise ValidationFailed("the bot lacks what it needs in that chat",
                                   fields={"chat_id": "; ".join(check.missing)})
        title, forum = check.title, check.forum
    row = await chats.bind(uow=uow(), chat_id=body.chat_id, group_code=body.group_code,
                           service_code=body.service_code, title=title, forum=forum)
    return LineChatOut.model_validate(row)


@router.get("/line-chats", response_model=list[LineChatOut])
async def list_chats(uow: Uow) -> list[LineChatOut]:
    """Every bound chat, broken ones first (with the reason)."""
    return [LineChatOut.model_validate(v) for v in await chats.list_chats(uow=uow.read())]

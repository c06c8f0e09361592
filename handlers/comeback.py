"""A user unblocks the bot: what happened to their tickets meanwhile is told once, as their list.

While the bot was blocked the first notice was refused (403) and given up, and the user was marked unreachable,
so later notices were not planned for them at all; none of it is sent again. Without this the user came back
to a greeting and never learned that a ticket was taken, asked about or resolved.

Only then: a user who blocked and unblocked the bot while nothing was sent to them missed nothing, and the list
would be an unasked-for message (the user middleware says `missed_notices` when the unblocking found them marked
unreachable). A refused outage or works notice marks them too, and the list is sent then as well: from that
moment no ticket notice was planned for them either."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.texts import _
from core.catalog.models import User
from core.uow import UowFactory
from handlers.my_requests import list_view

router = Router(name="comeback")
router.my_chat_member.filter(F.chat.type == "private")


@router.my_chat_member(ChatMemberUpdatedFilter(KICKED >> MEMBER))
async def on_unblocked(event: ChatMemberUpdated, bot: Bot, uow: UowFactory, tz: ZoneInfo, user: User | None,
                       missed_notices: bool = False) -> None:
    if user is None or not user.profile_complete or not missed_notices:
        return  # nothing filed yet (the /start that follows greets them), or nothing was missed
    text, markup = await list_view(uow, tz, user, 0)
    if markup is None:  # no tickets at all
        return
    intro = _("С возвращением! Пока бот был заблокирован, я не мог сообщать об изменениях по вашим обращениям. "
              "Вот как они выглядят сейчас — откройте обращение, чтобы увидеть подробности и вопросы специалистов.")
    await bot.send_message(chat_id=event.chat.id, text=intro + "\n\n" + text, reply_markup=markup)

"""The Telegram side of the staff desk (core.staffdesk.port.TelegramPort) over the real Bot."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatMemberAdministrator

from core.staffdesk.port import ChatCheck

NOT_MEMBER = "бот не состоит в этой группе — добавьте его"
NOT_ADMIN = "бот не администратор группы — назначьте его администратором"
NO_TOPICS = "у бота нет права «Управление темами» (нужно в группе с темами)"
NOT_GROUP = "это не группа: привязать можно только группу или супергруппу"


class BotPort:
    """Asks Telegram about the bot itself: its username and its rights in a chat."""

    def __init__(self, bot: Bot, username: str | None = None) -> None:
        self.bot = bot
        self._username = username

    async def username(self) -> str | None:
        if self._username is None:
            me = await self.bot.me()
            self._username = me.username
        return self._username

    async def check_chat(self, chat_id: int) -> ChatCheck:
        try:
            chat = await self.bot.get_chat(chat_id)
            member = await self.bot.get_chat_member(chat_id, self.bot.id)
        except TelegramAPIError as exc:
            return ChatCheck(missing=[f"{NOT_MEMBER} ({exc.message})"])
        return rights_missing(chat_type=chat.type, forum=bool(chat.is_forum), member=member,
                              title=chat.title or "")


def rights_missing(*, chat_type: str, forum: bool, member: object, title: str = "") -> ChatCheck:
    """What the bot lacks, from its ChatMember: admin everywhere, can_manage_topics in a forum."""
    if chat_type not in ("group", "supergroup"):
        return ChatCheck(missing=[NOT_GROUP], title=title)
    status = getattr(member, "status", "left")
    if status in ("left", "kicked"):
        return ChatCheck(missing=[NOT_MEMBER], title=title, forum=forum)
    missing = []
    if status not in ("administrator", "creator"):
        missing.append(NOT_ADMIN)
    elif forum and isinstance(member, ChatMemberAdministrator) and not member.can_manage_topics:
        missing.append(NO_TOPICS)
    return ChatCheck(missing=missing, title=title, forum=forum)

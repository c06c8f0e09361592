"""Helpers of the line-chat tests: what Telegram answers about the bot's rights, membership updates, groups."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.types import (
    Chat,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    Update,
)
from aiogram.types import User as TgUser

from tests.e2e.harness import BOT_ID, RecordingSession, UpdateFactory

BOT = TgUser(id=BOT_ID, is_bot=True, first_name="Support", username="support_test_bot")
_GIFTS = {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False, "premium_subscription": False,
          "gifts_from_channels": False}


def admin_member(*, can_manage_topics: bool = False) -> dict[str, Any]:
    rights = dict.fromkeys(("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                            "can_restrict_members", "can_change_info", "can_invite_users", "can_post_stories",
                            "can_edit_stories", "can_delete_stories", "can_send_welcome_messages"), True)
    return {"status": "administrator", "user": BOT.model_dump(exclude_none=True), "can_be_edited": False,
            "is_anonymous": False, "can_promote_members": False, "can_manage_topics": can_manage_topics, **rights}


def plain_member() -> dict[str, Any]:
    return {"status": "member", "user": BOT.model_dump(exclude_none=True)}


def program_chat(session: RecordingSession, chat_id: int, *, member: dict[str, Any], forum: bool = False,
                 kind: str = "supergroup", title: str = "Группа 2ЛТП") -> None:
    """getChat / getChatMember of the bot itself in `chat_id` answer these (other chats keep their answers)."""
    chats: dict[int, dict[str, Any]] = session.results.setdefault("_chats", {})
    members: dict[int, dict[str, Any]] = session.results.setdefault("_members", {})
    chats[chat_id] = {"id": chat_id, "type": kind, "title": title, "is_forum": forum, "accent_color_id": 0,
                      "max_reaction_count": 11, "accepted_gift_types": _GIFTS}
    members[chat_id] = member
    session.chat_types[chat_id] = kind
    session.results["getChat"] = lambda call: chats[int(call.params["chat_id"])]
    session.results["getChatMember"] = lambda call: members[int(call.params["chat_id"])]


def my_member_update(updates: UpdateFactory, chat_id: int, *, new: str, by: int = 5001,
                     forum: bool = False) -> Update:
    """my_chat_member: the bot's status in a group changes (`new`: left, kicked, member, administrator)."""
    chat = Chat(id=chat_id, type="supergroup", title="Группа 2ЛТП", is_forum=forum or None)
    old_member = ChatMemberAdministrator.model_validate(admin_member(can_manage_topics=True))
    new_member: Any
    if new == "administrator":
        new_member = ChatMemberAdministrator.model_validate(admin_member(can_manage_topics=forum))
    elif new == "member":
        new_member = ChatMemberMember(user=BOT)
    else:
        new_member = ChatMemberLeft(user=BOT) if new == "left" else ChatMemberBanned(user=BOT, until_date=0)
    upd = ChatMemberUpdated(chat=chat, from_user=updates.user(by), date=datetime.now(UTC),
                            old_chat_member=old_member, new_chat_member=new_member)
    return Update(update_id=next(updates._update_ids), my_chat_member=upd)

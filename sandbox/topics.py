"""Forum topics: a supergroup with topics, each a thread whose id is the id of its «topic created» message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.rules import Refusal
from sandbox.world import World

ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"
METHODS: dict[str, Callable[[World, dict[str, Any], dict[str, Any]], Awaitable[Any]]] = {}


def _forum(w: World, p: dict[str, Any], rights: str) -> dict[str, Any]:
    chat = w.chat(p.get("chat_id"))
    w.bot_may_send(chat)
    if not chat.get("is_forum"):
        raise Refusal(400, "Bad Request: the chat is not a forum")
    if not w.is_admin(chat):
        raise Refusal(400, rights)
    return chat


def _topic(chat: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
    topic = chat["_sb"]["topics"].get(str(p.get("message_thread_id") or ""))
    if topic is None:
        raise Refusal(400, "Bad Request: TOPIC_ID_INVALID")
    return topic


def create_topic(w: World, chat: dict[str, Any], sender: dict[str, Any], name: str, *, icon_color: int | None = None,
                 notify_bot: bool = False) -> dict[str, Any]:
    """A new topic (shared by the bot's method and the page); returns the ForumTopic."""
    name = name.strip()
    if not 1 <= len(name) <= 128:
        raise Refusal(400, "Bad Request: TOPIC_TITLE_EMPTY" if not name else "Bad Request: TOPIC_TITLE_INVALID")
    color = icon_color if icon_color in ICON_COLORS else ICON_COLORS[0]
    created = {"forum_topic_created": {"name": name, "icon_color": color}}
    msg = w.add_message(chat, sender, created, notify_bot=notify_bot, starts_thread=True)
    tid = msg["message_id"]
    topic = {"message_thread_id": tid, "name": name, "icon_color": color, "closed": False}
    chat["_sb"]["topics"][str(tid)] = topic
    w.save_chat(chat)
    return {k: topic[k] for k in ("message_thread_id", "name", "icon_color")}


async def _create(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    chat = _forum(w, p, "Bad Request: not enough rights to create a topic")
    color = p.get("icon_color")
    return create_topic(w, chat, w.bot, str(p.get("name") or ""), icon_color=int(color) if color else None)


async def _edit(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    chat = _forum(w, p, "Bad Request: not enough rights to edit a topic")
    topic = _topic(chat, p)
    name = p.get("name")
    if name is None or str(name) == topic["name"]:
        if p.get("icon_custom_emoji_id") is None:
            raise Refusal(400, NOT_MODIFIED)
        return True
    topic["name"] = str(name)
    w.add_message(chat, w.bot, {"forum_topic_edited": {"name": topic["name"]}}, thread_id=topic["message_thread_id"])
    w.save_chat(chat)
    return True


def _closer(closed: bool) -> Callable[[World, dict[str, Any], dict[str, Any]], Awaitable[Any]]:
    async def run(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
        chat = _forum(w, p, "Bad Request: not enough rights to manage topics")
        topic = _topic(chat, p)
        if topic.get("closed", False) == closed:
            raise Refusal(400, NOT_MODIFIED)
        topic["closed"] = closed
        key = "forum_topic_closed" if closed else "forum_topic_reopened"
        w.add_message(chat, w.bot, {key: {}}, thread_id=topic["message_thread_id"])
        w.save_chat(chat)
        return True
    return run


async def _delete(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    chat = _forum(w, p, "Bad Request: not enough rights to delete a topic")
    delete_topic(w, chat, p)
    return True


def delete_topic(w: World, chat: dict[str, Any], p: dict[str, Any]) -> None:
    """A topic and its messages are deleted (by the bot or by a person); Telegram tells the bot nothing."""
    topic = _topic(chat, p)
    tid = topic["message_thread_id"]
    for msg in w.messages(chat["id"]):
        if msg.get("message_thread_id") == tid:
            msg["_sb"]["deleted"] = True
            w.save_message(msg, kind="delete")
    del chat["_sb"]["topics"][str(tid)]
    w.save_chat(chat)


METHODS.update(createForumTopic=_create, editForumTopic=_edit, closeForumTopic=_closer(True),
               reopenForumTopic=_closer(False), deleteForumTopic=_delete)

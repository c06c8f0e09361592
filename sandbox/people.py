"""What people do in the sandbox (the web chat and the tests act through these): write, attach, press, join."""

from __future__ import annotations

import re
import secrets
from typing import Any

from sandbox import files
from sandbox.rules import NOT_MODIFIED, Refusal
from sandbox.world import World, now, public

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")


def _sender(w: World, chat: dict[str, Any], from_id: int) -> dict[str, Any]:
    user = w.user(from_id)
    if str(from_id) not in chat["_sb"]["members"]:
        raise Refusal(403, "Forbidden: this person is not a member of the chat")
    if chat["_sb"].get("migrated_to"):
        raise Refusal(400, "Bad Request: the group became a supergroup: write there")
    return user


def _bot_sees(w: World, chat: dict[str, Any], msg: dict[str, Any]) -> bool:
    """Privacy mode: in a group where it is no admin the bot gets commands, replies to it and mentions only."""
    if chat["type"] == "private":
        return not w.user(chat["id"])["_sb"].get("blocked")
    status = chat["_sb"].get("bot_status", "left")
    if status in ("left", "kicked"):
        return False
    if status in ("administrator", "creator"):
        return True
    text = msg.get("text") or msg.get("caption") or ""
    reply = msg.get("reply_to_message") or {}
    return (text.startswith("/") or f"@{w.bot['username']}" in text
            or reply.get("from", {}).get("id") == w.bot["id"])


def _thread(chat: dict[str, Any], thread_id: int | None) -> int | None:
    if not thread_id or not chat.get("is_forum"):
        return None
    topic = chat["_sb"]["topics"].get(str(thread_id))
    if topic is None:
        raise Refusal(400, "Bad Request: message thread not found")
    return int(thread_id)


def _post(w: World, chat: dict[str, Any], user: dict[str, Any], content: dict[str, Any], thread: int | None,
          reply_to: int | None) -> dict[str, Any]:
    if reply_to:
        replied = w.message(chat["id"], reply_to)
        if replied is not None:
            content["reply_to_message"] = public(replied)
    if chat["type"] == "private" and not user["_sb"].get("started"):
        user["_sb"]["started"] = True
        w.store.put("user", user["id"], user)
    msg = w.add_message(chat, user, content, thread_id=thread)
    if _bot_sees(w, chat, msg):
        w.push_update("message", public(msg))
    return public(msg)


def say(w: World, *, chat_id: int, from_id: int, text: str, thread_id: int | None = None,
        reply_to: int | None = None) -> dict[str, Any]:
    """A person writes `text`; a leading /command gets its bot_command entity as in Telegram."""
    chat = w.chat(chat_id)
    user = _sender(w, chat, from_id)
    if not text.strip():
        raise Refusal(400, "Bad Request: message text is empty")
    content: dict[str, Any] = {"text": text}
    m = _COMMAND.match(text)
    if m:
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(m.group(0))}]
    return _post(w, chat, user, content, _thread(chat, thread_id), reply_to)


def edit(w: World, *, chat_id: int, message_id: int, from_id: int, text: str) -> dict[str, Any]:
    """A person edits their own text (or a caption): the message changes in place, the bot gets edited_message."""
    chat = w.chat(chat_id)
    _sender(w, chat, from_id)
    msg = w.message(chat["id"], message_id)
    if msg is None:
        raise Refusal(400, "Bad Request: message to edit not found")
    if msg["from"]["id"] != from_id:
        raise Refusal(400, "Bad Request: message can't be edited")
    if "text" in msg:
        if not text.strip():
            raise Refusal(400, "Bad Request: message text is empty")
        key, ents = "text", "entities"
    elif any(k in msg for k in files.MEDIA):
        key, ents = "caption", "caption_entities"  # a caption may be emptied, as in Telegram
    else:
        raise Refusal(400, "Bad Request: message can't be edited")
    if (msg.get(key) or "") == text:
        raise Refusal(400, NOT_MODIFIED)
    msg.pop(ents, None)
    if text:
        msg[key] = text
    else:
        msg.pop(key, None)
    m = _COMMAND.match(text) if key == "text" else None
    if m:
        msg[ents] = [{"type": "bot_command", "offset": 0, "length": len(m.group(0))}]
    msg["edit_date"] = now()
    w.save_message(msg)
    if _bot_sees(w, chat, msg):
        w.push_update("edited_message", public(msg))
    return public(msg)


def attach(w: World, *, chat_id: int, from_id: int, data: bytes, name: str, mime: str | None,
           caption: str | None = None, as_photo: bool = False, thread_id: int | None = None) -> dict[str, Any]:
    """A person sends a file: a photo when asked and it is an image, else a document."""
    chat = w.chat(chat_id)
    user = _sender(w, chat, from_id)
    if not data:
        raise Refusal(400, "Bad Request: file must be non-empty")
    kind = "photo" if as_photo and files.image_size(data) is not None else "document"
    doc = files.store_file(w, data, name=name, mime=mime, kind=kind)
    content = files.media_of(doc, kind)
    if caption:
        content["caption"] = caption
    return _post(w, chat, user, content, _thread(chat, thread_id), None)


def press(w: World, *, chat_id: int, message_id: int, from_id: int, data: str) -> str:
    """A person presses an inline button of a bot's message: a callback_query update; returns its id."""
    chat = w.chat(chat_id)
    user = _sender(w, chat, from_id)
    msg = w.message(chat["id"], message_id)
    if msg is None:
        raise Refusal(400, "Bad Request: message not found")
    buttons = [b for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
    if not any(b.get("callback_data") == data for b in buttons):
        raise Refusal(400, "Bad Request: the message has no button with this callback data")
    qid = str(secrets.randbelow(10**18) + 10**18)
    w.rules.callback_arrived(qid)
    w.callbacks[qid] = {"chat_id": chat["id"], "message_id": message_id, "answer": None}
    w.push_update("callback_query", {"id": qid, "from": public(user), "message": public(msg),
                                     "chat_instance": str(abs(chat["id"])), "data": data})
    return qid


def open_topic(w: World, *, chat_id: int, from_id: int, name: str) -> dict[str, Any]:
    from sandbox.topics import create_topic

    chat = w.chat(chat_id)
    user = _sender(w, chat, from_id)
    if not chat.get("is_forum"):
        raise Refusal(400, "Bad Request: the chat is not a forum")
    return create_topic(w, chat, user, name, notify_bot=_bot_sees(w, chat, {"text": ""}))


def remove_topic(w: World, *, chat_id: int, from_id: int, thread_id: int) -> None:
    """A person deletes a topic of a forum (sends to it answer «message thread not found» from then on)."""
    from sandbox.topics import delete_topic

    chat = w.chat(chat_id)
    _sender(w, chat, from_id)
    if not chat.get("is_forum"):
        raise Refusal(400, "Bad Request: the chat is not a forum")
    delete_topic(w, chat, {"message_thread_id": thread_id})


def block(w: World, *, user_id: int, blocked: bool) -> None:
    """A person blocks (or unblocks) the bot: sends to them get 403; the bot learns it by my_chat_member."""
    from sandbox.world import member_doc

    user = w.user(user_id)
    user["_sb"]["blocked"] = blocked
    w.store.put("user", user_id, user)
    (w.rules.blocked.add if blocked else w.rules.blocked.discard)(user_id)
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    chat = w.chat(user_id)
    w.push_update("my_chat_member", {"chat": public(chat), "from": public(user), "date": now(),
                                     "old_chat_member": member_doc(w.bot, old),
                                     "new_chat_member": member_doc(w.bot, new)})
    w.publish({"type": "chat", "chat_id": user_id})

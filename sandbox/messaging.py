"""The bot's messages: sending (text, photos, documents, voice notes, audio files, albums, copies), edits,
deletions and pins."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox import files
from sandbox.html import HtmlError, parse_html
from sandbox.rules import Refusal, as_dict
from sandbox.world import World, now, public

NOT_FOUND_EDIT = "Bad Request: message to edit not found"


def text_content(w: World, p: dict[str, Any], key: str) -> dict[str, Any]:
    """`text` or `caption` with its entities, parsed as Telegram parses the parse mode."""
    raw = p.get(key)
    if raw is None:
        return {}
    raw = str(raw)
    ents_key = "entities" if key == "text" else "caption_entities"
    mode = str(p.get("parse_mode") or "").upper()
    if mode == "HTML":
        try:
            plain, entities = parse_html(raw)
        except HtmlError as exc:
            raise Refusal(400, f"Bad Request: can't parse entities: {exc}") from None
    else:  # MarkdownV2 is not parsed here: the text is shown as sent (the README says so)
        plain, entities = raw, list(p.get(ents_key) or [])
    content: dict[str, Any] = {key: plain}
    if entities:
        content[ents_key] = entities
    return content


def _thread(w: World, chat: dict[str, Any], p: dict[str, Any]) -> int | None:
    tid = p.get("message_thread_id")
    if tid in (None, "", 0, "0") or not chat.get("is_forum"):
        return None
    topic = chat["_sb"]["topics"].get(str(int(tid)))
    if topic is None:
        raise Refusal(400, "Bad Request: message thread not found")
    if topic.get("closed") and not w.is_admin(chat):
        raise Refusal(400, "Bad Request: TOPIC_CLOSED")
    return int(tid)


def _reply(w: World, chat: dict[str, Any], p: dict[str, Any]) -> dict[str, Any] | None:
    rp = as_dict(p.get("reply_parameters")) or {}
    mid = rp.get("message_id", p.get("reply_to_message_id"))
    if mid in (None, ""):
        return None
    msg = w.message(chat["id"], mid)
    if msg is None:
        if rp.get("allow_sending_without_reply") or p.get("allow_sending_without_reply") in (True, "true"):
            return None
        raise Refusal(400, "Bad Request: message to be replied not found")
    return public(msg)


def _inline(markup: Any) -> dict[str, Any] | None:
    raw = as_dict(markup)
    return raw if isinstance(raw, dict) and "inline_keyboard" in raw else None


def _chat_keyboard(w: World, chat: dict[str, Any], markup: Any) -> None:
    """A reply keyboard (or its removal) belongs to the chat, not to the message."""
    raw = as_dict(markup)
    if not isinstance(raw, dict):
        return
    if "keyboard" in raw:
        chat["_sb"]["keyboard"] = raw
        w.save_chat(chat)
    elif raw.get("remove_keyboard"):
        chat["_sb"].pop("keyboard", None)
        w.save_chat(chat)


def prepare(w: World, name: str, p: dict[str, Any]) -> tuple[dict[str, Any], int | None, dict[str, Any] | None]:
    """The checks every send makes before the message exists: chat, thread, reply, then Telegram's rules."""
    chat = w.chat(p.get("chat_id"))
    p["chat_id"] = chat["id"]
    w.bot_may_send(chat)
    thread = _thread(w, chat, p)
    reply = _reply(w, chat, p)
    w.rules.check(name, p)
    return chat, thread, reply


def send(w: World, name: str, p: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
    chat, thread, reply = prepare(w, name, p)
    return _store(w, name, chat, p, content, thread, reply)


def _store(w: World, name: str, chat: dict[str, Any], p: dict[str, Any], content: dict[str, Any],
           thread: int | None, reply: dict[str, Any] | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    if reply is not None:
        content = {**content, "reply_to_message": reply}
    key = "text" if "text" in content else "caption"
    meta = {"raw": p.get(key), "parse_mode": p.get("parse_mode"), **(extra or {})}
    inline = _inline(p.get("reply_markup"))
    if inline is not None:
        content = {**content, "reply_markup": inline}
    msg = w.add_message(chat, w.bot, content, thread_id=thread, extra=meta)
    _chat_keyboard(w, chat, p.get("reply_markup"))
    w.rules.remember(name, p, msg["message_id"])
    return public(msg)


async def send_media(w: World, name: str, p: dict[str, Any], uploads: dict[str, Any], kind: str) -> dict[str, Any]:
    chat, thread, reply = prepare(w, name, p)
    doc = await files.resolve(w, p.get(kind), uploads, kind=kind)
    # what the sender says of a voice note or an audio file (Telegram reads it from the file; kept as given here)
    doc.update({k: p[k] for k in ("duration", "performer", "title") if p.get(k) not in (None, "")})
    content = {**files.media_of(doc, kind), **text_content(w, p, "caption")}
    return _store(w, name, chat, p, content, thread, reply)


async def send_media_group(w: World, p: dict[str, Any], uploads: dict[str, Any]) -> list[dict[str, Any]]:
    media = p.get("media")
    if not isinstance(media, list) or not media:
        raise Refusal(400, "Bad Request: parameter \"media\" is required")
    if len(media) > 10:
        raise Refusal(400, "Bad Request: too many messages to send as an album")
    chat, thread, reply = prepare(w, "sendMediaGroup", p)
    group_id = str(secrets.randbelow(10**17) + 10**17)
    sent = []
    for item in media:
        kind = "photo" if item.get("type") == "photo" else "document"
        doc = await files.resolve(w, item.get("media"), uploads, kind=kind)
        item_p = {**item, "chat_id": chat["id"]}
        content = {**files.media_of(doc, kind), **text_content(w, item_p, "caption"), "media_group_id": group_id}
        sent.append(_store(w, "sendMediaGroup", chat, item_p, content, thread, reply))
    return sent


def copy(w: World, p: dict[str, Any], *, forward: bool) -> dict[str, Any]:
    src_chat = w.chat(p.get("from_chat_id"))
    src = w.message(src_chat["id"], p.get("message_id"))
    if src is None:
        raise Refusal(400, "Bad Request: message to copy not found" if not forward
                      else "Bad Request: message to forward not found")
    name = "forwardMessage" if forward else "copyMessage"
    content = {k: v for k, v in public(src).items()
               if k in ("text", "entities", *files.MEDIA, "caption", "caption_entities")}
    if not forward and "caption" in p:
        content.pop("caption_entities", None)
        content.update(text_content(w, p, "caption"))
    if forward:
        origin = src["from"]
        content["forward_origin"] = {"type": "user", "sender_user": origin, "date": src["date"]}
    chat, thread, reply = prepare(w, name, p)
    extra_p = {**p, "text": src["_sb"].get("raw", src.get("text"))} if "text" in content else p
    return _store(w, name, chat, extra_p, content, thread, reply)


def _own(w: World, p: dict[str, Any], missing: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if p.get("inline_message_id"):
        raise Refusal(400, "Bad Request: MESSAGE_ID_INVALID")
    chat = w.chat(p.get("chat_id"))
    p["chat_id"] = chat["id"]
    msg = w.message(chat["id"], p.get("message_id"))
    if msg is None:
        raise Refusal(400, missing)
    return chat, msg


def edit(w: World, name: str, p: dict[str, Any]) -> dict[str, Any]:
    """Edits in place; an edit without reply_markup removes the inline keyboard, as in Telegram."""
    _, msg = _own(w, p, NOT_FOUND_EDIT)
    if msg["from"]["id"] != w.bot["id"]:
        raise Refusal(400, "Bad Request: message can't be edited")
    has_media = any(k in msg for k in files.MEDIA)
    if name == "editMessageText" and has_media:
        raise Refusal(400, "Bad Request: there is no text in the message to edit")
    if name == "editMessageCaption" and not has_media:
        raise Refusal(400, "Bad Request: there is no caption in the message to edit")
    w.rules.check(name, p)
    if name == "editMessageText":
        for k in ("text", "entities"):
            msg.pop(k, None)
        msg.update(text_content(w, p, "text"))
        msg["_sb"].update(raw=p.get("text"), parse_mode=p.get("parse_mode"))
    elif name == "editMessageCaption":
        for k in ("caption", "caption_entities"):
            msg.pop(k, None)
        msg.update(text_content(w, p, "caption"))
        msg["_sb"].update(raw=p.get("caption"), parse_mode=p.get("parse_mode"))
    msg.pop("reply_markup", None)
    chat = w.chat(p["chat_id"])
    _chat_keyboard(w, chat, p.get("reply_markup"))
    inline = _inline(p.get("reply_markup"))
    if inline is not None:
        msg["reply_markup"] = inline
    msg["edit_date"] = now()
    w.save_message(msg)
    w.rules.remember(name, p, msg["message_id"])
    return public(msg)


def need_admin(w: World, chat: dict[str, Any], description: str) -> None:
    if not w.is_admin(chat):
        raise Refusal(400, description)


def delete(w: World, p: dict[str, Any]) -> bool:
    chat, msg = _own(w, p, "Bad Request: message to delete not found")
    if chat["type"] != "private" and msg["from"]["id"] != w.bot["id"] and not w.is_admin(chat):
        raise Refusal(400, "Bad Request: message can't be deleted")
    msg["_sb"]["deleted"] = True
    w.save_message(msg, kind="delete")
    return True


def pin(w: World, p: dict[str, Any], *, pin: bool) -> bool:
    chat = w.chat(p.get("chat_id"))
    need_admin(w, chat, "Bad Request: not enough rights to manage pinned messages in the chat")
    pinned: list[int] = chat["_sb"].setdefault("pinned", [])
    if not pin and p.get("message_id") in (None, ""):
        if pinned:
            pinned.pop()
        w.save_chat(chat)
        return True
    _, msg = _own(w, p, "Bad Request: message to pin not found" if pin else "Bad Request: message to unpin not found")
    mid = msg["message_id"]
    if mid in pinned:
        pinned.remove(mid)
    if pin:
        pinned.append(mid)
        w.add_message(chat, w.bot, {"pinned_message": public(msg)}, thread_id=msg.get("message_thread_id"))
    w.save_chat(chat)
    return True

"""The Bot API methods the sandbox implements, each answering as Telegram does (results and refusals).

`METHODS` maps the API name to a coroutine taking the world, the parameters (decoded from JSON or form fields)
and the uploaded files. Anything else is answered 404 «Not Found», as Telegram answers an unknown method.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sandbox import files, messaging, topics
from sandbox.rules import QUERY_INVALID, Refusal
from sandbox.world import World, member_doc, public

Method = Callable[[World, dict[str, Any], dict[str, Any]], Awaitable[Any]]
METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Method], Method]:
    def register(fn: Method) -> Method:
        METHODS[name.lower()] = fn
        return fn
    return register


@method("getMe")
async def get_me(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return w.bot


@method("logOut")
async def log_out(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return True


@method("close")
async def close(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return True


@method("getUpdates")
async def get_updates(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    """Long polling: waits up to `timeout` s for updates; a newer getUpdates ends an older one with 409."""
    w.webhook.check_polling()
    offset = _opt_int(p.get("offset"))
    limit = max(1, min(100, _opt_int(p.get("limit")) or 100))
    timeout = max(0, min(50, _opt_int(p.get("timeout")) or 0))
    allowed = p.get("allowed_updates") or None
    w.poll_generation += 1
    mine = w.poll_generation
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        ups = w.pending_updates(offset, limit, allowed)
        if ups or loop.time() >= deadline:
            return ups
        await w.wait_updates(min(1.0, deadline - loop.time()))
        if w.poll_generation != mine:
            raise Refusal(409, "Conflict: terminated by other getUpdates request; make sure that only one bot "
                               "instance is running")


@method("setWebhook")
async def set_webhook(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return w.webhook.set(p)


@method("deleteWebhook")
async def delete_webhook(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return w.webhook.delete(drop_pending=_bool(p.get("drop_pending_updates")))


@method("getWebhookInfo")
async def get_webhook_info(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return w.webhook.info()


# --- command menus --------------------------------------------------------------------------------------------
def _menu_key(p: dict[str, Any]) -> str:
    import json

    scope = p.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPES:
        raise Refusal(400, "Bad Request: can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True) + "|" + str(p.get("language_code") or "")


SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
          "chat_administrators", "chat_member")


@method("setMyCommands")
async def set_my_commands(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    import re

    cmds = p.get("commands")
    if not isinstance(cmds, list):
        raise Refusal(400, "Bad Request: can't parse commands JSON object")
    for c in cmds:
        if not isinstance(c, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
            raise Refusal(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(c.get("description", ""))) <= 256:
            raise Refusal(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    key = _menu_key(p)
    if cmds:
        w.store.put("commands", key, [{"command": c["command"], "description": c["description"]} for c in cmds])
    else:
        w.store.delete("commands", key)
    w.publish({"type": "commands"})
    return True


@method("getMyCommands")
async def get_my_commands(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return w.store.get("commands", _menu_key(p)) or []


@method("deleteMyCommands")
async def delete_my_commands(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    w.store.delete("commands", _menu_key(p))
    w.publish({"type": "commands"})
    return True


# --- messages -------------------------------------------------------------------------------------------------
@method("sendMessage")
async def send_message(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return messaging.send(w, "sendMessage", p, messaging.text_content(w, p, "text"))


def _media(name: str, kind: str) -> Method:
    async def send(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
        return await messaging.send_media(w, name, p, up, kind)
    return send


# one file per message, each kind with its own method (a file id of another kind is refused in messaging)
for _name, _kind in (("sendPhoto", "photo"), ("sendDocument", "document"), ("sendVoice", "voice"),
                     ("sendAudio", "audio")):
    method(_name)(_media(_name, _kind))


@method("sendMediaGroup")
async def send_media_group(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return await messaging.send_media_group(w, p, up)


@method("copyMessage")
async def copy_message(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return {"message_id": messaging.copy(w, p, forward=False)["message_id"]}


@method("forwardMessage")
async def forward_message(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return messaging.copy(w, p, forward=True)


@method("editMessageText")
async def edit_message_text(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return messaging.edit(w, "editMessageText", p)


@method("editMessageCaption")
async def edit_message_caption(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return messaging.edit(w, "editMessageCaption", p)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return messaging.edit(w, "editMessageReplyMarkup", p)


@method("deleteMessage")
async def delete_message(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return messaging.delete(w, p)


@method("pinChatMessage")
async def pin_chat_message(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return messaging.pin(w, p, pin=True)


@method("unpinChatMessage")
async def unpin_chat_message(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return messaging.pin(w, p, pin=False)


@method("unpinAllChatMessages")
async def unpin_all(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    chat = w.chat(p.get("chat_id"))
    messaging.need_admin(w, chat, "Bad Request: not enough rights to manage pinned messages in the chat")
    chat["_sb"]["pinned"] = []
    w.save_chat(chat)
    return True


@method("sendChatAction")
async def send_chat_action(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    w.bot_may_send(w.chat(p.get("chat_id")))
    return True


@method("answerCallbackQuery")
async def answer_callback_query(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    qid = str(p.get("callback_query_id") or "")
    if qid not in w.callbacks:
        raise Refusal(400, QUERY_INVALID)
    w.rules.check("answerCallbackQuery", p)
    answer = {"text": p.get("text"), "show_alert": _bool(p.get("show_alert")), "url": p.get("url")}
    w.callbacks[qid]["answer"] = answer
    w.answered(qid).set()
    w.publish({"type": "callback_answer", "query_id": qid, **answer})
    return True


# --- files ----------------------------------------------------------------------------------------------------
@method("getFile")
async def get_file(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    return files.get_file(w, p.get("file_id"))


# --- chats ----------------------------------------------------------------------------------------------------
@method("getChat")
async def get_chat(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    chat = w.chat(p.get("chat_id"))
    full = {**public(chat), "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                    "premium_subscription": False, "gifts_from_channels": False}}
    pinned = chat["_sb"].get("pinned") or []
    if pinned and (msg := w.message(chat["id"], pinned[-1])) is not None:
        full["pinned_message"] = public(msg)
    return full


@method("getChatMember")
async def get_chat_member(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    chat = w.chat(p.get("chat_id"))
    uid = _opt_int(p.get("user_id"))
    if uid == w.bot["id"]:
        return w.bot_member(chat) if chat["_sb"].get("bot_status", "member") != "left" \
            else member_doc(w.bot, "left")
    user = w.user(uid or 0)
    return member_doc(user, chat["_sb"]["members"].get(str(uid), "left"))


@method("getChatAdministrators")
async def get_chat_administrators(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    chat = w.chat(p.get("chat_id"))
    if chat["type"] == "private":
        raise Refusal(400, "Bad Request: there are no administrators in the private chat")
    admins = [member_doc(w.user(int(u)), s) for u, s in chat["_sb"]["members"].items()
              if s in ("creator", "administrator")]
    return admins + ([w.bot_member(chat)] if w.is_admin(chat) else [])


@method("getChatMemberCount")
async def get_chat_member_count(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    chat = w.chat(p.get("chat_id"))
    return len(chat["_sb"]["members"]) + (0 if chat["type"] == "private" else 1)


@method("leaveChat")
async def leave_chat(w: World, p: dict[str, Any], up: dict[str, Any]) -> Any:
    chat = w.chat(p.get("chat_id"))
    if chat["type"] == "private":
        raise Refusal(400, "Bad Request: chat member status can't be changed in private chats")
    w.set_bot_status(chat["id"], status="left", actor=w.bot)
    return True


for _name in ("createForumTopic", "editForumTopic", "closeForumTopic", "reopenForumTopic", "deleteForumTopic"):
    METHODS[_name.lower()] = topics.METHODS[_name]


def _opt_int(v: Any) -> int | None:
    try:
        return None if v is None or v == "" else int(v)
    except (TypeError, ValueError):
        return None


def _bool(v: Any) -> bool:
    return v is True or str(v).lower() in ("true", "1")

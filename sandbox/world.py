"""The sandbox's world: the bot, people, chats with their members and topics, messages, the update queue, events.

Both sides act on it: the bot through the Bot API (sandbox/botapi.py) and people through the control API the web
chat and the tests use (sandbox/control.py). Every change is published to the listeners (the page's event stream).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from sandbox.rules import RATE_RULES, Refusal, TelegramRules, dump_markup
from sandbox.store import Store
from sandbox.webhook import WebhookDelivery

CHAT_NOT_FOUND = "Bad Request: chat not found"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"
BASIC_GROUP_BASE, SUPERGROUP_BASE = 4_000_000_000, 1_000_000_000_000


def now() -> int:
    return int(time.time())


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A document without the sandbox's own bookkeeping (the `_sb` key), as the Bot API shows it."""
    return {k: v for k, v in doc.items() if k != "_sb"}


class World:
    """Everything the sandbox knows; methods raise Refusal with Telegram's status and wording."""

    def __init__(self, store: Store, *, token: str, files_dir: Path, rate_limits: bool = True,
                 webhook_over_http: bool = False) -> None:
        self.store, self.files_dir = store, files_dir
        self.webhook = WebhookDelivery(self, over_http=webhook_over_http)
        self.token = token
        bot_id = int(token.partition(":")[0])
        self.bot: dict[str, Any] = {"id": bot_id, "is_bot": True, "first_name": "Support desk (sandbox)",
                                    "username": "sandbox_support_bot", "can_join_groups": True,
                                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        self.rules = TelegramRules(clock=time.monotonic, strict_ampersand=False)
        if not rate_limits:
            self.rules.active -= RATE_RULES
        self.listeners: set[asyncio.Queue[dict[str, Any]]] = set()
        self._updates_event = asyncio.Event()
        self.poll_generation = 0
        self.revision = 0  # grows with every published change: a test waits until it stops growing
        self.callbacks: dict[str, dict[str, Any]] = {}
        self._answered: dict[str, asyncio.Event] = {}
        # a chat's message ids: reading one chat must not scan every message (thousands of users in a load test)
        self._by_chat: dict[int, set[int]] = {}
        for msg in store.all("message"):
            self._by_chat.setdefault(msg["chat"]["id"], set()).add(msg["message_id"])
        for msg in store.all("message"):  # «message is not modified» survives a restart
            if msg.get("from", {}).get("id") == bot_id:
                self.rules.remember("sendMessage", {"chat_id": msg["chat"]["id"], **_content_of(msg)},
                                    msg["message_id"])
        for user in store.all("user"):
            if user["_sb"].get("blocked"):
                self.rules.blocked.add(user["id"])

    # --- events -------------------------------------------------------------------------------------------
    def publish(self, event: dict[str, Any]) -> None:
        self.revision += 1
        for q in list(self.listeners):
            q.put_nowait(event)

    # --- people and chats ---------------------------------------------------------------------------------
    def user(self, user_id: int) -> dict[str, Any]:
        u = self.store.get("user", user_id)
        if u is None:
            raise Refusal(400, "Bad Request: user not found")
        return u

    def chat(self, chat_id: Any) -> dict[str, Any]:
        try:
            c = self.store.get("chat", int(chat_id))
        except (TypeError, ValueError):
            c = None
        if c is None:
            raise Refusal(400, CHAT_NOT_FOUND)
        return c

    def save_chat(self, chat: dict[str, Any]) -> None:
        self.store.put("chat", chat["id"], chat)
        self.publish({"type": "chat", "chat_id": chat["id"]})

    def create_user(self, *, first_name: str, last_name: str | None = None, username: str | None = None,
                    language_code: str = "ru") -> dict[str, Any]:
        """A person and their private chat with the bot (not started until they write)."""
        uid = self.store.next_id("user", 100_000_001)
        user: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first_name, "language_code": language_code}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        self.store.put("user", uid, {**user, "_sb": {"started": False, "blocked": False}})
        names: dict[str, Any] = {k: user[k] for k in ("last_name", "username") if k in user}
        chat: dict[str, Any] = {"id": uid, "type": "private", "first_name": first_name, **names,
                "_sb": {"members": {str(uid): "member"}}}
        self.save_chat(chat)
        return user

    def create_group(self, *, title: str, member_ids: list[int], forum: bool = False, bot_admin: bool = True,
                     creator_id: int | None = None) -> dict[str, Any]:
        """A group (a supergroup when it is a forum) with these people; the bot is added (my_chat_member)."""
        if forum:
            cid = -(SUPERGROUP_BASE + self.store.next_id("supergroup", 1))
            chat: dict[str, Any] = {"id": cid, "type": "supergroup", "title": title, "is_forum": True}
        else:
            cid = -(BASIC_GROUP_BASE + self.store.next_id("group", 1))
            chat = {"id": cid, "type": "group", "title": title}
        creator = creator_id if creator_id is not None else (member_ids[0] if member_ids else None)
        members = {str(m): ("creator" if m == creator else "member") for m in member_ids}
        chat["_sb"] = {"members": members, "bot_status": "left", "pinned": [], "topics": {}}
        self.save_chat(chat)
        if creator is not None:
            self.set_bot_status(cid, status="administrator" if bot_admin else "member", actor=self.user(creator))
        return chat

    def add_member(self, chat_id: int, user_id: int) -> None:
        chat = self.chat(chat_id)
        self.user(user_id)
        chat["_sb"]["members"][str(user_id)] = "member"
        self.save_chat(chat)

    def is_admin(self, chat: dict[str, Any]) -> bool:
        return chat["type"] == "private" or chat["_sb"].get("bot_status") in ("administrator", "creator")

    def bot_member(self, chat: dict[str, Any]) -> dict[str, Any]:
        status = chat["_sb"].get("bot_status", "member") if chat["type"] != "private" else "member"
        return member_doc(self.bot, status)

    def set_bot_status(self, chat_id: int, *, status: str, actor: dict[str, Any]) -> None:
        """The bot added, promoted, removed or banned: Telegram tells it with a my_chat_member update."""
        chat = self.chat(chat_id)
        old = self.bot_member(chat) if chat["_sb"].get("bot_status", "left") != "left" else member_doc(self.bot, "left")
        chat["_sb"]["bot_status"] = status
        self.save_chat(chat)
        self.push_update("my_chat_member", {"chat": public(chat), "from": public(actor), "date": now(),
                                            "old_chat_member": old, "new_chat_member": self.bot_member(chat)})

    def migrate(self, chat_id: int) -> dict[str, Any]:
        """A group becomes a supergroup: a new id; the old one answers sends with migrate_to_chat_id."""
        old = self.chat(chat_id)
        if old["type"] != "group":
            raise Refusal(400, "Bad Request: chat is not a basic group")
        new_id = -(SUPERGROUP_BASE + self.store.next_id("supergroup", 1))
        new = {"id": new_id, "type": "supergroup", "title": old["title"],
               "_sb": {**old["_sb"], "migrated_from": old["id"], "pinned": [], "topics": {}}}
        old["_sb"]["migrated_to"] = new_id
        self.save_chat(old)
        self.save_chat(new)
        actor = next(iter(old["_sb"]["members"]), None)
        sender = public(self.user(int(actor))) if actor else self.bot
        self.add_message(old, sender, {"migrate_to_chat_id": new_id}, notify_bot=True)
        self.add_message(new, sender, {"migrate_from_chat_id": old["id"]}, notify_bot=True)
        return new

    def bot_may_send(self, chat: dict[str, Any]) -> None:
        """Refuses what Telegram refuses before looking at a message: unknown, moved, left chats."""
        sb = chat["_sb"]
        if chat["type"] == "private":
            user = self.user(chat["id"])
            if not user["_sb"].get("started"):
                raise Refusal(403, CANT_INITIATE)
            return
        if sb.get("migrated_to"):
            raise Refusal(400, UPGRADED, migrate_to_chat_id=sb["migrated_to"])
        kind = "group chat" if chat["type"] == "group" else "supergroup chat"
        if sb.get("bot_status") == "kicked":
            raise Refusal(403, f"Forbidden: bot was kicked from the {kind}")
        if sb.get("bot_status", "left") == "left":
            raise Refusal(403, f"Forbidden: bot is not a member of the {kind}")

    # --- messages -----------------------------------------------------------------------------------------
    def message(self, chat_id: int, message_id: Any) -> dict[str, Any] | None:
        msg = self.store.get("message", f"{chat_id}:{message_id}")
        return None if msg is None or msg["_sb"].get("deleted") else msg

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        found = (self.store.get("message", f"{chat_id}:{mid}") for mid in sorted(self._by_chat.get(chat_id, ())))
        return [m for m in found if m is not None and not m["_sb"].get("deleted")]

    def add_message(self, chat: dict[str, Any], sender: dict[str, Any], content: dict[str, Any], *,
                    thread_id: int | None = None, notify_bot: bool = False, extra: dict[str, Any] | None = None,
                    starts_thread: bool = False) -> dict[str, Any]:
        """Stores a new message in `chat` from `sender`; a person's message becomes an update for the bot.

        `starts_thread`: a topic's first message, whose id is the topic's thread id.
        """
        mid = self.store.next_id(f"msg:{chat['id']}", 1)
        msg: dict[str, Any] = {"message_id": mid, "from": public(sender), "chat": public(chat), "date": now()}
        if starts_thread:
            thread_id = mid
        if thread_id is not None:
            msg["message_thread_id"], msg["is_topic_message"] = thread_id, True
        msg.update(content)
        msg["_sb"] = dict(extra or {})
        self.save_message(msg, kind="message")
        if notify_bot:
            self.push_update("message", public(msg))
        return msg

    def save_message(self, msg: dict[str, Any], *, kind: str = "edit") -> None:
        self.store.put("message", f"{msg['chat']['id']}:{msg['message_id']}", msg)
        self._by_chat.setdefault(msg["chat"]["id"], set()).add(msg["message_id"])
        self.publish({"type": kind, "chat_id": msg["chat"]["id"], "message_id": msg["message_id"]})

    # --- updates ------------------------------------------------------------------------------------------
    def push_update(self, kind: str, payload: dict[str, Any]) -> int:
        uid = self.store.next_id("update", 1)
        self.store.put("update", uid, {"update_id": uid, kind: payload})
        self.poke_updates()
        return uid

    def poke_updates(self) -> None:
        """Wakes whoever waits for updates (a long poll, the webhook delivery)."""
        self._updates_event.set()
        self._updates_event = asyncio.Event()

    def pending_updates(self, offset: int | None, limit: int, allowed: list[str] | None) -> list[dict[str, Any]]:
        ups = sorted(self.store.all("update"), key=lambda u: u["update_id"])
        if offset is not None and offset < 0:
            keep = ups[offset:]
            for u in ups[:len(ups) - len(keep)]:
                self.store.delete("update", u["update_id"])
            ups = keep
        elif offset is not None:
            for u in [u for u in ups if u["update_id"] < offset]:  # confirmed: Telegram forgets them
                self.store.delete("update", u["update_id"])
            ups = [u for u in ups if u["update_id"] >= offset]
        if allowed:
            ups = [u for u in ups if any(k in u for k in allowed)]
        return ups[:limit]

    async def wait_updates(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._updates_event.wait(), seconds)

    def answered(self, query_id: str) -> asyncio.Event:
        """Set when the bot answers this callback query (the page and the tests wait on it)."""
        return self._answered.setdefault(query_id, asyncio.Event())


def member_doc(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember of the Bot API for `status` (the administrator with the rights a bot usually gets)."""
    doc: dict[str, Any] = {"status": status, "user": public(user)}
    if status == "creator":
        doc["is_anonymous"] = False
    elif status == "administrator":
        doc.update({k: True for k in ("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                                      "can_restrict_members", "can_change_info", "can_invite_users",
                                      "can_pin_messages", "can_manage_topics", "can_post_stories",
                                      "can_edit_stories", "can_delete_stories")})
        doc.update({"can_be_edited": False, "is_anonymous": False, "can_promote_members": False,
                    "can_send_welcome_messages": False})
    elif status == "kicked":
        doc["until_date"] = 0
    return doc


def _content_of(msg: dict[str, Any]) -> dict[str, Any]:
    raw = msg["_sb"].get("raw")
    key = "caption" if any(k in msg for k in ("photo", "document", "voice", "audio")) else "text"
    return {key: raw if raw is not None else msg.get(key), "reply_markup": msg.get("reply_markup"),
            "parse_mode": msg["_sb"].get("parse_mode")}


__all__ = ["World", "dump_markup", "member_doc", "now", "public"]

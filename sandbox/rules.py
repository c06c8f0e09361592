"""What the Bot API refuses and why: Telegram's status codes and descriptions, shared by the sandbox and the tests.

Every rule is on by default and can be switched off by name (`rules.active -= {"chat_rate"}`). The descriptions
are the ones Telegram (tdlib's Bot API server) returns, so a bot's code that reads the error text is tried against
the real wording. Reply markups may be plain dicts (as parsed from a request) or pydantic models (aiogram's).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.html import HtmlError, html_plain_length

RULES = frozenset({"callback_once", "callback_timeout", "not_modified", "text_length", "button_data", "html",
                   "chat_rate", "group_rate", "global_rate", "blocked"})
RATE_RULES = frozenset({"chat_rate", "group_rate", "global_rate"})

QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message")
TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
TEXT_EMPTY = "Bad Request: message text is empty"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
BLOCKED = "Forbidden: bot was blocked by the user"
CALLBACK_TTL = 15.0  # seconds Telegram waits for answerCallbackQuery
TEXT_LIMIT, CAPTION_LIMIT, DATA_LIMIT = 4096, 1024, 64

__all__ = ["BLOCKED", "BUTTON_DATA_INVALID", "CALLBACK_TTL", "CAPTION_LIMIT", "CAPTION_TOO_LONG", "DATA_LIMIT",
           "NOT_MODIFIED", "QUERY_INVALID", "RULES", "TEXT_EMPTY", "TEXT_LIMIT", "TOO_LONG", "Bucket", "HtmlError",
           "Refusal", "TelegramRules", "html_plain_length", "plain_length"]


def plain_length(text: str, parse_mode: str | None, *, strict_ampersand: bool = True) -> int:
    if (parse_mode or "").upper() == "HTML":
        return html_plain_length(text, strict_ampersand=strict_ampersand)
    return len(text)


@dataclass
class Bucket:
    """A token bucket: `burst` sends at once, then `rate` per second."""

    rate: float
    burst: float
    tokens: float = -1.0
    at: float = 0.0

    def take(self, now: float) -> int:
        """0 when a token was taken, else the whole seconds to wait (Telegram's retry_after)."""
        if self.tokens < 0:
            self.tokens, self.at = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0
        return max(1, math.ceil((1.0 - self.tokens) / self.rate))


@dataclass
class Refusal(Exception):
    status: int
    description: str
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None

    def content(self) -> dict[str, Any]:
        raw: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        params: dict[str, Any] = {}
        if self.retry_after is not None:
            params["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            params["migrate_to_chat_id"] = self.migrate_to_chat_id
        if params:
            raw["parameters"] = params
        return raw


@dataclass
class TelegramRules:
    """The state Telegram keeps to refuse calls: answered callbacks, message contents, send rates, blocks."""

    clock: Callable[[], float]
    active: set[str] = field(default_factory=lambda: set(RULES))
    strict_ampersand: bool = True
    chat_rate: tuple[float, float] = (1.0, 3.0)  # per private chat: 1 message/s sustained, a burst of 3
    group_rate: tuple[float, float] = (20 / 60, 20.0)  # per group: 20 messages a minute
    global_rate: tuple[float, float] = (30.0, 30.0)  # per bot: 30 messages/s
    blocked: set[int] = field(default_factory=set)
    callbacks: dict[str, float] = field(default_factory=dict)  # query id -> when it arrived
    answered: set[str] = field(default_factory=set)
    contents: dict[tuple[int, int], tuple[Any, Any]] = field(default_factory=dict)  # (chat, msg) -> (text, markup)
    _buckets: dict[Any, Bucket] = field(default_factory=dict)

    def on(self, rule: str) -> bool:
        return rule in self.active

    def callback_arrived(self, query_id: str) -> None:
        self.callbacks.setdefault(query_id, self.clock())

    def check(self, name: str, params: dict[str, Any]) -> None:
        """Raises Refusal for a call Telegram would refuse (nothing is recorded as done then)."""
        if name == "answerCallbackQuery":
            self._answer(str(params.get("callback_query_id")))
            return
        chat = _int(params.get("chat_id"))
        if self.on("blocked") and chat in self.blocked and _is_outgoing(name):
            raise Refusal(403, BLOCKED)
        self._markup(params.get("reply_markup"))
        self._text(name, params)
        if name.startswith("editMessage"):
            self._not_modified(name, params)
        if _is_send(name):
            self._rate(chat)

    def _answer(self, qid: str) -> None:
        born = self.callbacks.setdefault(qid, self.clock())
        if self.on("callback_once") and qid in self.answered:
            raise Refusal(400, QUERY_INVALID)
        if self.on("callback_timeout") and self.clock() - born > CALLBACK_TTL:
            raise Refusal(400, QUERY_INVALID)
        self.answered.add(qid)

    def _markup(self, markup: Any) -> None:
        raw = as_dict(markup)
        if not self.on("button_data") or not isinstance(raw, dict) or "inline_keyboard" not in raw:
            return
        for row in raw["inline_keyboard"]:
            for b in row:
                data = b.get("callback_data") if isinstance(b, dict) else None
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= DATA_LIMIT:
                    raise Refusal(400, BUTTON_DATA_INVALID)

    def _text(self, name: str, params: dict[str, Any]) -> None:
        for key, limit, too_long in (("text", TEXT_LIMIT, TOO_LONG), ("caption", CAPTION_LIMIT, CAPTION_TOO_LONG)):
            value = params.get(key)
            if value is None or name not in _TEXT_METHODS:
                continue
            value = str(value)
            try:
                length = (plain_length(value, params.get("parse_mode"), strict_ampersand=self.strict_ampersand)
                          if self.on("html") else len(value))
            except HtmlError as exc:
                raise Refusal(400, f"Bad Request: can't parse entities: {exc}") from None
            if key == "text" and self.on("text_length") and length == 0:
                raise Refusal(400, TEXT_EMPTY)
            if self.on("text_length") and length > limit:
                raise Refusal(400, too_long)

    def _not_modified(self, name: str, params: dict[str, Any]) -> None:
        key = (_int(params.get("chat_id")), _int(params.get("message_id")))
        current = self.contents.get(key)
        if current is None or not self.on("not_modified"):
            return
        text = params.get("text", current[0]) if name == "editMessageText" else current[0]
        if name == "editMessageCaption":
            text = params.get("caption")
        if (text, dump_markup(params.get("reply_markup"))) == current:
            raise Refusal(400, NOT_MODIFIED)

    def _rate(self, chat: int) -> None:
        checks: list[tuple[str, Any, tuple[float, float]]] = [("global_rate", "*", self.global_rate)]
        checks.append(("chat_rate", chat, self.chat_rate) if chat > 0 else ("group_rate", chat, self.group_rate))
        now = self.clock()
        waits = [self._bucket(key, rate).take(now) for rule, key, rate in checks if self.on(rule)]
        wait = max(waits, default=0)
        if wait:
            raise Refusal(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _bucket(self, key: Any, rate: tuple[float, float]) -> Bucket:
        if key not in self._buckets:
            self._buckets[key] = Bucket(rate=rate[0], burst=rate[1])
        return self._buckets[key]

    def remember(self, name: str, params: dict[str, Any], message_id: int | None) -> None:
        """Keeps what a sent or edited message now shows (for «message is not modified»)."""
        if message_id is None or not (name.startswith("send") or name.startswith("editMessage")):
            return
        key = (_int(params.get("chat_id")), message_id)
        old = self.contents.get(key, (None, None))
        if name == "editMessageReplyMarkup":
            self.contents[key] = (old[0], dump_markup(params.get("reply_markup")))
        else:
            text = params.get("text") if "text" in params else params.get("caption")
            self.contents[key] = (text, dump_markup(params.get("reply_markup")))


_TEXT_METHODS = frozenset({"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "sendVoice", "sendAudio",
                           "editMessageCaption",
                           "copyMessage"})


def _is_send(name: str) -> bool:
    return (name.startswith("send") and name != "sendChatAction") or name in ("copyMessage", "forwardMessage")


def _is_outgoing(name: str) -> bool:
    return _is_send(name) or name.startswith("editMessage") or name == "sendChatAction"


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def as_dict(markup: Any) -> Any:
    """A reply markup as plain JSON data, whether a dict, a JSON string or a pydantic model."""
    if markup is None or isinstance(markup, dict):
        return markup
    if isinstance(markup, str):
        try:
            return json.loads(markup)
        except ValueError:
            return None
    dump = getattr(markup, "model_dump", None)
    return dump(mode="json", exclude_none=True) if callable(dump) else None


def dump_markup(markup: Any) -> str | None:
    """An inline keyboard as canonical JSON (for comparisons); None for any other markup."""
    raw = as_dict(markup)
    if not isinstance(raw, dict) or "inline_keyboard" not in raw:
        return None
    return json.dumps(_no_none(raw), ensure_ascii=False, sort_keys=True)


def _no_none(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _no_none(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_no_none(x) for x in v]
    return v

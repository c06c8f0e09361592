"""What the Bot API refuses, as the recording session applies it: Telegram's status codes and descriptions.

Every rule is on by default; a test relaxes one by name (`session.relax("chat_rate")`). The descriptions are
the ones Telegram (tdlib's Bot API server) returns, so the product's code that reads `exc.message` is tested
against the real wording.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from aiogram.types import InlineKeyboardMarkup

RULES = frozenset({"callback_once", "callback_timeout", "not_modified", "text_length", "button_data", "html",
                   "chat_rate", "group_rate", "global_rate", "blocked"})

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

# tdlib's HTML subset (https://core.telegram.org/bots/api#html-style)
TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
                  "span", "blockquote", "tg-emoji"})
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_ATTR = re.compile(r"""\s*([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


class HtmlError(ValueError):
    """The text after «Bad Request: can't parse entities: »."""


def _offset(text: str, i: int) -> int:
    return len(text[:i].encode("utf-8"))


def _attrs(text: str, start: int, raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    pos = 0
    while raw[pos:].strip():
        m = _ATTR.match(raw, pos)
        if m is None:
            raise HtmlError(f"Expected equal sign in declaration of an attribute of the tag at byte offset "
                            f"{_offset(text, start)}")
        attrs[m.group(1).lower()] = next(g for g in m.groups()[1:] if g is not None)
        pos = m.end()
    return attrs


def html_plain_length(text: str) -> int:
    """Length of `text` after Telegram parsed its HTML; HtmlError where tdlib would refuse it.

    Stricter than tdlib in one place, on purpose: a bare `&` that starts no entity is refused (tdlib keeps it
    as text), because it means user input reached the markup unescaped.
    """
    stack: list[str] = []
    plain, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            m = _ENTITY.match(text, i)
            if m is None:
                raise HtmlError(f"Unescaped \"&\" at byte offset {_offset(text, i)}")
            plain, i = plain + 1, m.end()
            continue
        if c != "<":
            plain, i = plain + 1, i + 1
            continue
        end = text.find(">", i)
        if text.startswith("</", i):
            if end < 0:
                raise HtmlError(f"Unclosed end tag at byte offset {_offset(text, i)}")
            name = text[i + 2:end].strip().lower()
            if not stack:
                raise HtmlError(f"Unexpected end tag at byte offset {_offset(text, i)}")
            if name and name != stack[-1]:
                raise HtmlError(f"Unmatched end tag at byte offset {_offset(text, i)}, expected \"</{stack[-1]}>\", "
                                f"found \"</{name}>\"")
            stack.pop()
            i = end + 1
            continue
        if end < 0:
            raise HtmlError(f"Unclosed start tag at byte offset {_offset(text, i)}")
        body = text[i + 1:end]
        name = re.split(r"\s", body, maxsplit=1)[0].lower()
        if name not in TAGS:
            raise HtmlError(f"Unsupported start tag \"{name}\" at byte offset {_offset(text, i)}")
        attrs = _attrs(text, i, body[len(name):])
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlError(f"Tag \"span\" must have class \"tg-spoiler\" at byte offset {_offset(text, i)}")
        if name == "tg-emoji" and "emoji-id" not in attrs:
            raise HtmlError(f"Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset {_offset(text, i)}")
        stack.append(name)
        i = end + 1
    if stack:
        raise HtmlError(f"Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return plain


def plain_length(text: str, parse_mode: str | None) -> int:
    return html_plain_length(text) if (parse_mode or "").upper() == "HTML" else len(text)


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

    def content(self) -> dict[str, Any]:
        raw: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            raw["parameters"] = {"retry_after": self.retry_after}
        return raw


@dataclass
class TelegramRules:
    """The state Telegram keeps to refuse calls: answered callbacks, message contents, send rates, blocks."""

    clock: Any
    active: set[str] = field(default_factory=lambda: set(RULES))
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
        if not self.on("button_data") or not isinstance(markup, InlineKeyboardMarkup):
            return
        for row in markup.inline_keyboard:
            for b in row:
                if b.callback_data is not None and not 1 <= len(b.callback_data.encode("utf-8")) <= DATA_LIMIT:
                    raise Refusal(400, BUTTON_DATA_INVALID)

    def _text(self, name: str, params: dict[str, Any]) -> None:
        for key, limit, too_long in (("text", TEXT_LIMIT, TOO_LONG), ("caption", CAPTION_LIMIT, CAPTION_TOO_LONG)):
            value = params.get(key)
            if value is None or name not in _TEXT_METHODS:
                continue
            try:
                length = plain_length(value, params.get("parse_mode")) if self.on("html") else len(value)
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
        if (text, _dump(params.get("reply_markup"))) == current:
            raise Refusal(400, NOT_MODIFIED)

    def _rate(self, chat: int) -> None:
        checks = [("global_rate", "*", self.global_rate)]
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
            self.contents[key] = (old[0], _dump(params.get("reply_markup")))
        else:
            text = params.get("text") if "text" in params else params.get("caption")
            self.contents[key] = (text, _dump(params.get("reply_markup")))


_TEXT_METHODS = frozenset({"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageCaption",
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


def _dump(markup: Any) -> Any:
    if isinstance(markup, InlineKeyboardMarkup):
        return markup.model_dump_json(exclude_none=True)
    return None

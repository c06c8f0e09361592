"""E2E harness: a recording Bot session, builders of real Updates, and a driver over the real Dispatcher.

    session = RecordingSession()                      # give it to build_root(..., bot_session=session)
    h = BotHarness(root, session)
    calls = await h.send_text(42, "/start")           # the API calls this update produced
    h.last_text(42); h.buttons(calls[-1]); await h.press(42, TicketCb(action="open", ticket_id=1))
    session.fail_next("sendMessage", retry_after(3))  # the next sendMessage raises TelegramRetryAfter

The session refuses what Telegram refuses (tests/e2e/strict.py: a second answer to a callback query, «message is
not modified», too long texts, bad HTML, per-chat and per-group rates, blocked chats), with Telegram's status and
description; `session.relax("chat_rate")` switches one rule off, `session.block(chat_id)` makes a user block us.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import TelegramMethod
from aiogram.types import (
    CallbackQuery,
    Chat,
    Document,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    PhotoSize,
    ReplyKeyboardMarkup,
    Update,
    User,
)

from tests.e2e.strict import RULES, Refusal, TelegramRules

BOT_ID = 42
Failure = BaseException | type[TelegramAPIError] | Callable[[TelegramMethod[Any]], BaseException]


def _norm(name: str) -> str:
    return name.replace("_", "").lower()


def retry_after(seconds: int) -> Callable[[TelegramMethod[Any]], BaseException]:
    """A failure factory: 429 Too Many Requests with retry_after."""
    return lambda m: TelegramRetryAfter(method=m, message=f"Too Many Requests: retry after {seconds}",
                                        retry_after=seconds)


def forbidden(message: str = "Forbidden: bot was blocked by the user",
              ) -> Callable[[TelegramMethod[Any]], BaseException]:
    return lambda m: TelegramForbiddenError(method=m, message=message)


def server_error(message: str = "Internal Server Error") -> Callable[[TelegramMethod[Any]], BaseException]:
    return lambda m: TelegramServerError(method=m, message=message)


def network_error(message: str = "Connection reset") -> Callable[[TelegramMethod[Any]], BaseException]:
    return lambda m: TelegramNetworkError(method=m, message=message)


def bad_request(message: str) -> Callable[[TelegramMethod[Any]], BaseException]:
    """E.g. bad_request("Bad Request: can't parse entities: ...") or "Bad Request: chat not found"."""
    return lambda m: TelegramBadRequest(method=m, message=message)


@dataclass
class Call:
    """One Bot API call: `name` is the API name ("sendMessage"), `params` have bot defaults resolved."""

    method: TelegramMethod[Any]
    name: str
    params: dict[str, Any]
    result: Any = None
    error: BaseException | None = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        return self.params.get("text") or self.params.get("caption")

    @property
    def reply_markup(self) -> Any:
        return self.params.get("reply_markup")


class RecordingSession(BaseSession):
    """Records every call and answers like the Bot API would; failures are programmed with fail_next()."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self._message_ids = itertools.count(1000)
        self._failures: dict[str, list[Failure]] = {}
        self.chat_types: dict[int, str] = {}
        self.results: dict[str, Any] = {}  # api name -> raw JSON result or callable(call) -> raw result
        self.rules = TelegramRules(clock=time.monotonic)  # the harness gives it its fake clock
        self.topics: dict[int, dict[int, str]] = {}  # forum chat id -> its topics (thread id -> name)
        self.closed_topics: set[tuple[int, int]] = set()  # (chat id, thread id) of topics closed in Telegram
        # the bot is an admin with can_manage_topics: Telegram lets it post into a closed topic (others are refused)
        self.bot_manages_topics = False
        self.file_types: dict[str, str] = {}  # file id -> tdlib's type of the file (Photo, Document, VoiceNote, Audio)

    def forum(self, chat_id: int) -> None:
        """`chat_id` is a supergroup with topics: createForumTopic works there, a send to an unknown thread fails."""
        self.topics.setdefault(chat_id, {})
        self.chat_types[chat_id] = "supergroup"

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Someone deletes a topic in Telegram: sends to it answer «message thread not found» from now on."""
        self.topics[chat_id].pop(thread_id)

    def close_topic(self, chat_id: int, thread_id: int) -> None:
        """Someone closes a topic by hand in Telegram: sends to it answer «TOPIC_CLOSED» until it is reopened,
        unless the bot manages topics (`bot_manages_topics`). Telegram's service message is the test's to feed."""
        self.closed_topics.add((chat_id, thread_id))

    def _forum_refusal(self, call: Call) -> str | None:
        chat = int(call.params.get("chat_id") or 0) if str(call.params.get("chat_id") or "").lstrip("-").isdigit() \
            else 0
        if call.name == "createForumTopic" and chat not in self.topics:
            return "Bad Request: the chat is not a forum"
        thread = call.params.get("message_thread_id")
        if thread is not None and _is_send(call.name) and thread not in self.topics.get(chat, {thread: ""}):
            return "Bad Request: message thread not found"
        if thread is not None and _is_send(call.name) and (chat, thread) in self.closed_topics \
                and not self.bot_manages_topics:
            return "Bad Request: TOPIC_CLOSED"  # what Telegram answers a send into a closed topic
        if call.name in ("closeForumTopic", "reopenForumTopic"):
            if chat not in self.topics or thread not in self.topics[chat]:
                return "Bad Request: message thread not found"
            if ((chat, thread) in self.closed_topics) == (call.name == "closeForumTopic"):
                return "Bad Request: TOPIC_NOT_MODIFIED"
        return None

    def learn_files(self, message: Message | None) -> None:
        """Keeps the type of each file a user sent, as Telegram knows the file ids it gave out."""
        if message is None:
            return
        if message.photo:
            self.file_types[message.photo[-1].file_id] = "Photo"
        for kind, tdlib in (("document", "Document"), ("voice", "VoiceNote"), ("audio", "Audio")):
            obj = getattr(message, kind)
            if obj is not None:
                self.file_types[obj.file_id] = tdlib

    def _file_refusal(self, call: Call) -> str | None:
        """tdlib's check of a known file id against the sending method: a Photo only as a photo, a Document-class
        file (a document, a voice note, an audio file) only with a Document-class method."""
        param = {"sendPhoto": "photo", "sendDocument": "document", "sendVoice": "voice", "sendAudio": "audio"}
        key = param.get(call.name)
        real = self.file_types.get(str(call.params.get(key))) if key else None
        if key is None or real is None:
            return None
        wanted = {"photo": "Photo", "document": "Document", "voice": "VoiceNote", "audio": "Audio"}[key]
        if (real == "Photo") != (wanted == "Photo"):
            return f"Bad Request: can't use file of type {real} as {wanted}"
        return None

    def relax(self, *rules: str) -> None:
        """Switches Telegram rules off by name (see tests/e2e/strict.py RULES), for a test that needs it."""
        unknown = set(rules) - RULES
        if unknown:
            raise ValueError(f"no such rules: {sorted(unknown)}")
        self.rules.active -= set(rules)

    def block(self, chat_id: int) -> None:
        """The user of `chat_id` blocks the bot: every send to that chat gets 403."""
        self.rules.blocked.add(chat_id)

    def fail_next(self, method_name: str, exc: Failure, *, times: int = 1) -> None:
        """The next `times` calls of `method_name` ("sendMessage" or "SendMessage") raise `exc`."""
        self._failures.setdefault(_norm(method_name), []).extend([exc] * times)

    def _failure(self, method: TelegramMethod[Any]) -> BaseException | None:
        queue = self._failures.get(_norm(method.__api_method__))
        if not queue:
            return None
        f = queue.pop(0)
        if isinstance(f, BaseException):
            return f
        if isinstance(f, type) and issubclass(f, TelegramAPIError):
            return f(method=method, message=f"{f.__name__} (programmed)")
        return f(method)  # type: ignore[operator]

    async def close(self) -> None:
        """Nothing to close."""

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:  # noqa: ASYNC109
        params = {k: (bot.default[v.name] if isinstance(v, Default) else v) for k, v in method}
        call = Call(method=method, name=method.__api_method__, params=params)
        self.calls.append(call)
        exc = self._failure(method)
        if exc is not None:
            call.error = exc
            raise exc
        refused = self._forum_refusal(call) or self._file_refusal(call)
        if refused is not None:
            call.error = TelegramBadRequest(method=method, message=refused)
            raise call.error
        try:
            self.rules.check(call.name, params)
        except Refusal as refusal:
            try:
                self.check_response(bot, method, refusal.status, json.dumps(refusal.content()))
            except TelegramAPIError as api_error:
                call.error = api_error
                raise
            raise AssertionError("check_response accepted a refusal") from None
        raw = self._raw_result(bot, call)
        content = json.dumps({"ok": True, "result": raw}, default=str)
        call.result = self.check_response(bot, method, 200, content).result
        self.rules.remember(call.name, params, getattr(call.result, "message_id", None))
        return call.result

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None,
                             timeout: int = 30,  # noqa: ASYNC109
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        yield b"file-content"

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        cid = int(chat_id) if isinstance(chat_id, int | str) and str(chat_id).lstrip("-").isdigit() else -1
        kind = self.chat_types.get(cid, "private" if cid > 0 else "supergroup")
        return {"id": cid, "type": kind, "first_name": "U"} if kind == "private" else {"id": cid, "type": kind,
                                                                                        "title": "Group"}

    def _message(self, bot: Bot, call: Call, message_id: int | None = None) -> dict[str, Any]:
        p = call.params
        raw: dict[str, Any] = {"message_id": message_id or next(self._message_ids),
                               "date": int(datetime.now(UTC).timestamp()), "chat": self._chat(p.get("chat_id")),
                               "from": {"id": bot.id, "is_bot": True, "first_name": "Support"}}
        if p.get("message_thread_id") is not None:
            raw.update(message_thread_id=p["message_thread_id"], is_topic_message=True)
        if p.get("text") is not None:
            raw["text"] = p["text"]
        if p.get("caption") is not None:
            raw["caption"] = p["caption"]
        markup = p.get("reply_markup")
        if isinstance(markup, InlineKeyboardMarkup):
            raw["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
        if call.name == "sendPhoto":
            raw["photo"] = [{"file_id": "sent-photo", "file_unique_id": "sp", "width": 1, "height": 1}]
        if call.name == "sendDocument":
            raw["document"] = {"file_id": "sent-doc", "file_unique_id": "sd"}
        if call.name == "sendVoice":
            raw["voice"] = {"file_id": "sent-voice", "file_unique_id": "sv", "duration": 1}
        if call.name == "sendAudio":
            raw["audio"] = {"file_id": "sent-audio", "file_unique_id": "sa", "duration": 1}
        return raw

    def _raw_result(self, bot: Bot, call: Call) -> Any:
        programmed = self.results.get(call.name)
        if programmed is not None:
            return programmed(call) if callable(programmed) else programmed
        name = call.name
        if name == "getMe":
            return {"id": bot.id, "is_bot": True, "first_name": "Support", "username": "support_test_bot"}
        if name == "createForumTopic":
            chat, thread = int(call.params["chat_id"]), next(self._message_ids)  # the «topic created» message
            self.topics[chat][thread] = call.params["name"]
            return {"message_thread_id": thread, "name": call.params["name"],
                    "icon_color": call.params.get("icon_color") or 7322096}
        if name in ("closeForumTopic", "reopenForumTopic"):
            where = (int(call.params["chat_id"]), int(call.params["message_thread_id"]))
            (self.closed_topics.add if name == "closeForumTopic" else self.closed_topics.discard)(where)
            return True
        if name == "getFile":
            fid = call.params["file_id"]
            return {"file_id": fid, "file_unique_id": f"u-{fid}", "file_size": 1024, "file_path": f"files/{fid}"}
        if name == "sendMediaGroup":
            return [self._message(bot, call) for _ in call.params.get("media", [])]
        if name == "copyMessage":
            return {"message_id": next(self._message_ids)}
        if name.startswith("editMessage"):
            if call.params.get("inline_message_id"):
                return True
            return self._message(bot, call, message_id=call.params.get("message_id"))
        if (name.startswith("send") and name != "sendChatAction") or name == "forwardMessage":
            return self._message(bot, call)
        return True


def _is_send(name: str) -> bool:
    return (name.startswith("send") and name != "sendChatAction") or name in ("copyMessage", "forwardMessage")


class UpdateFactory:
    """Real aiogram Updates with increasing update ids and message ids."""

    # a user's messages are dated `typing` seconds apart (Telegram's `date` has whole seconds): parts of one
    # paste arrive within a second and are joined (handlers/report_answers.py); a test sets `date=` for those
    typing = timedelta(seconds=5)

    def __init__(self, start_update_id: int = 1) -> None:
        self._update_ids = itertools.count(start_update_id)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._next_date = datetime.now(UTC).replace(microsecond=0)
        self.sent: dict[int, Message] = {}  # message_id -> the user's message as sent (for edits)

    def _date(self, date: datetime | None) -> datetime:
        if date is not None:
            return date
        self._next_date += self.typing
        return self._next_date

    def _uid(self, update_id: int | None) -> int:
        return update_id if update_id is not None else next(self._update_ids)

    @staticmethod
    def user(user_id: int, *, language_code: str = "ru", first_name: str | None = None) -> User:
        return User(id=user_id, is_bot=False, first_name=first_name or f"User{user_id}", language_code=language_code)

    @staticmethod
    def chat(chat_id: int, chat_type: str) -> Chat:
        if chat_type == "private":
            return Chat(id=chat_id, type="private", first_name=f"User{chat_id}")
        return Chat(id=chat_id, type=chat_type, title="Group")

    def message(self, user_id: int, text: str | None = None, *, chat_type: str = "private", chat_id: int | None = None,
                update_id: int | None = None, photo: str | bool | None = None, document: Document | None = None,
                caption: str | None = None, language_code: str = "ru", date: datetime | None = None,
                **extra: Any) -> Update:
        cid = chat_id if chat_id is not None else (user_id if chat_type == "private" else -100_000 - user_id)
        entities = None
        if text and text.startswith("/"):
            entities = [MessageEntity(type="bot_command", offset=0, length=len(text.split()[0]))]
        photos = None
        if photo:
            fid = photo if isinstance(photo, str) else f"photo-{next(self._message_ids)}"
            photos = [PhotoSize(file_id=fid, file_unique_id=f"u-{fid}", width=800, height=600, file_size=50_000)]
        msg = Message(message_id=next(self._message_ids), date=self._date(date), chat=self.chat(cid, chat_type),
                      from_user=self.user(user_id, language_code=language_code), text=text, entities=entities,
                      photo=photos, document=document, caption=caption, **extra)
        self.sent[msg.message_id] = msg
        return Update(update_id=self._uid(update_id), message=msg)

    def edited(self, message_id: int, text: str, *, update_id: int | None = None) -> Update:
        """The `edited_message` update Telegram sends when the user edits their message `message_id`."""
        old = self.sent[message_id]
        msg = old.model_copy(update={"text": text, "entities": None,
                                     "edit_date": int(self._date(None).timestamp())})
        self.sent[message_id] = msg
        return Update(update_id=self._uid(update_id), edited_message=msg)

    def callback(self, user_id: int, data: str | CallbackData, *, message_id: int | None = None,
                 chat_type: str = "private", chat_id: int | None = None, message_text: str = "…",
                 update_id: int | None = None, language_code: str = "ru",
                 reply_markup: InlineKeyboardMarkup | None = None) -> Update:
        cid = chat_id if chat_id is not None else (user_id if chat_type == "private" else -100_000 - user_id)
        packed = data.pack() if isinstance(data, CallbackData) else data
        msg = Message(message_id=message_id or next(self._message_ids), date=datetime.now(UTC),
                      chat=self.chat(cid, chat_type), text=message_text, reply_markup=reply_markup,
                      from_user=User(id=BOT_ID, is_bot=True, first_name="Support"))
        cq = CallbackQuery(id=str(next(self._callback_ids)), from_user=self.user(user_id, language_code=language_code),
                           chat_instance=f"ci-{cid}", message=msg, data=packed)
        return Update(update_id=self._uid(update_id), callback_query=cq)


_default_factory = UpdateFactory(start_update_id=1_000_000)


def make_message(user_id: int, text: str | None = None, chat_type: str = "private", update_id: int | None = None,
                 photo: str | bool | None = None, document: Document | None = None, **kw: Any) -> Update:
    """A message Update (module-level factory, increasing ids)."""
    return _default_factory.message(user_id, text, chat_type=chat_type, update_id=update_id, photo=photo,
                                    document=document, **kw)


def make_callback(user_id: int, data: str | CallbackData, message_id: int | None = None, **kw: Any) -> Update:
    """A callback-query Update (module-level factory, increasing ids)."""
    return _default_factory.callback(user_id, data, message_id=message_id, **kw)


def make_document(file_name: str, mime: str, size: int, file_id: str | None = None) -> Document:
    fid = file_id or f"doc-{file_name}"
    return Document(file_id=fid, file_unique_id=f"u-{fid}", file_name=file_name, mime_type=mime, file_size=size)


class FakeClock:
    """Monotonic time the harness advances by `tick` per update (a user types at human speed)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class BotHarness:
    """Feeds Updates through the real Dispatcher of `root` and reads what the bot sent.

    Unexpected exceptions in handlers are re-raised by the send/press helpers (strict=True) instead of
    being turned into «Что-то пошло не так»; domain errors are not (they are a normal answer).
    """

    def __init__(self, root: Any, session: RecordingSession, *, tick: float = 1.0, strict: bool = True) -> None:
        self.root, self.session, self.bot, self.dp = root, session, root.bot, root.dp
        self.updates = UpdateFactory()
        self.clock = FakeClock()
        self.tick = tick
        self.strict = strict
        self.errors: list[BaseException] = []
        self._limiter: Any = None
        self.dp["error_sink"] = self.errors  # the error handler's workflow data (bot.dispatcher.on_error)
        session.rules.clock = self.clock
        if root.throttle is not None:
            root.throttle.clock = self.clock
        from bot.middlewares.replies import RetryAfter

        async def _wait(seconds: float) -> None:
            self.clock.advance(seconds)

        for mw in session.middleware:  # a reply waiting out a 429 waits on the fake clock
            if isinstance(mw, RetryAfter):
                mw.sleep = _wait

    def add_router(self, router: Any) -> None:
        """Puts a test router into the private-chat parent, ahead of the real dialogs."""
        parent = self.root.user_router
        assert parent is not None
        parent.include_router(router)
        parent.sub_routers.insert(0, parent.sub_routers.pop())

    @property
    def sent(self) -> list[Call]:
        return self.session.calls

    async def feed(self, update: Update) -> list[Call]:
        """Feeds one update; returns the API calls it produced."""
        start, seen = len(self.session.calls), len(self.errors)
        self.clock.advance(self.tick)
        if update.callback_query is not None:
            self.session.rules.callback_arrived(update.callback_query.id)
        self.session.learn_files(update.message)
        await self.dp.feed_update(self.bot, update)
        if self.strict and len(self.errors) > seen:
            raise self.errors[-1]
        return self.session.calls[start:]

    async def send_text(self, uid: int, text: str, **kw: Any) -> list[Call]:
        return await self.feed(self.updates.message(uid, text, **kw))

    async def send_photo(self, uid: int, caption: str | None = None, *, file_id: str | bool = True,
                         **kw: Any) -> list[Call]:
        return await self.feed(self.updates.message(uid, None, photo=file_id, caption=caption, **kw))

    async def send_document(self, uid: int, file_name: str, mime: str, size: int, caption: str | None = None,
                            **kw: Any) -> list[Call]:
        doc = make_document(file_name, mime, size)
        return await self.feed(self.updates.message(uid, None, document=doc, caption=caption, **kw))

    async def press(self, uid: int, data: str | CallbackData, *, message_id: int | None = None,
                    **kw: Any) -> list[Call]:
        """Presses an inline button; by default on the last message with an inline keyboard sent to `uid`."""
        if message_id is None:
            last = self.last_call(uid, with_inline=True)
            message_id = getattr(last.result, "message_id", None) if last else None
        # the pressed message as Telegram shows it now (text and keyboard after any edits)
        chat = kw.get("chat_id", uid if kw.get("chat_type", "private") == "private" else -100_000 - uid)
        text, markup = self.session.rules.contents.get((chat, message_id or 0), (None, None))
        if text is not None:
            kw.setdefault("message_text", text)
        if markup is not None:
            kw.setdefault("reply_markup", InlineKeyboardMarkup.model_validate_json(markup))
        return await self.feed(self.updates.callback(uid, data, message_id=message_id, **kw))

    async def deliver(self, limit: int = 100) -> Any:
        """Runs the outbox delivery worker once on the harness clock (sleeping only advances it)."""
        from bot.delivery import RateLimiter, deliver_pending

        async def _no_sleep(seconds: float) -> None:
            self.clock.advance(seconds)

        if self._limiter is None:  # one limiter across runs, as in production
            self._limiter = RateLimiter(clock=self.clock, sleep=_no_sleep)
        assert self.root.delivery is not None
        return await deliver_pending(delivery=self.root.delivery, limit=limit, sleep=_no_sleep, limiter=self._limiter)

    def calls_to(self, chat_id: int, name: str | None = None) -> list[Call]:
        return [c for c in self.session.calls
                if str(c.chat_id) == str(chat_id) and (name is None or _norm(c.name) == _norm(name))]

    def last_call(self, chat_id: int, name: str | None = None, *, with_inline: bool = False) -> Call | None:
        for c in reversed(self.calls_to(chat_id, name)):
            if c.error is None and (not with_inline or isinstance(c.reply_markup, InlineKeyboardMarkup)):
                return c
        return None

    def texts(self, chat_id: int) -> list[str]:
        return [c.text for c in self.calls_to(chat_id) if c.text is not None and c.error is None]

    def last_text(self, chat_id: int) -> str | None:
        texts = self.texts(chat_id)
        return texts[-1] if texts else None

    @staticmethod
    def buttons(call: Call | None) -> list[list[str]]:
        """Button texts, row by row (inline or reply keyboard)."""
        markup = call.reply_markup if call else None
        if isinstance(markup, InlineKeyboardMarkup):
            return [[b.text for b in row] for row in markup.inline_keyboard]
        if isinstance(markup, ReplyKeyboardMarkup):
            return [[b.text for b in row] for row in markup.keyboard]
        return []

    @staticmethod
    def button_data(call: Call | None) -> dict[str, str]:
        """Inline button text -> callback_data."""
        markup = call.reply_markup if call else None
        if not isinstance(markup, InlineKeyboardMarkup):
            return {}
        return {b.text: b.callback_data for row in markup.inline_keyboard for b in row if b.callback_data}

    def button(self, chat_id: int, contains: str) -> str:
        """callback_data of the button whose text contains `contains` in the last inline keyboard sent."""
        data = self.button_data(self.last_call(chat_id, with_inline=True))
        for text, cb in data.items():
            if contains.lower() in text.lower():
                return cb
        raise AssertionError(f"no button with {contains!r} among {list(data)}")

"""One target to Telegram, and what each of Telegram's answers means for it, for the worker and for the rest.

- sent; or the group moved to a supergroup (followed: sent to the new id, which is stored);
- settled for good with the reason: 403 (blocked, kicked, deactivated) and 400 "chat not found" → blocked,
  any other 400 → failed;
- given back, never dropped: 429 (everyone waits retry_after), network and 5xx (retried in place, then the
  whole worker backs off: Telegram is down), 401/404 (bad token or API address: the worker pauses), anything
  else (only this target backs off; the others go on).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.delivery.limiter import RateLimiter, Sleep
from bot.delivery.planning import Target
from bot.telegram import send_one, split_text
from core.outbox.models import HELD, DeliveryStatus

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

THREAD_GONE = "message thread not found"
TOPIC_CLOSED = "topic_closed"
GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid")
WORKER = None  # the Backoff key of the whole worker
MAX_PAUSES = 5
AUTH_PAUSE = 300.0  # a bad token does not heal by itself: look again every 5 minutes, say so each time


@dataclass
class Poll:
    """What the targets of one poll share: the bot, the limits, and the stop when Telegram is unusable."""

    bot: Bot
    limiter: RateLimiter
    sleep: Sleep
    max_attempts: int
    backoff: float
    stopped: str | None = None  # why the rest of this poll is given back unsent
    paused_s: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def stop(self, reason: str) -> None:
        self.stopped = self.stopped or reason


@dataclass
class Result:
    status: str
    error: str | None = None
    new_chat_id: int | None = None


def _network_down(poll: Poll, exc: Exception) -> Result:
    delay = poll.limiter.backoff.fail(WORKER)
    n = poll.limiter.backoff.failures(WORKER)
    # once when it starts, then about once a minute (the backoff is capped at 60 s): not every try
    level = logging.WARNING if n == 1 or delay >= poll.limiter.backoff.cap else logging.DEBUG
    log.log(level, "Telegram unavailable (%s: %s): delivery paused %.0f s (attempt %s); nothing is dropped",
            type(exc).__name__, exc, delay, n)
    poll.stop(f"Telegram unavailable: {exc}")
    return Result(DeliveryStatus.retry, f"{type(exc).__name__}: {exc}")


def _bad_setup(poll: Poll, exc: Exception) -> Result:
    poll.limiter.backoff.fail(WORKER, at_least=AUTH_PAUSE)
    what = "the bot token (401 Unauthorized: check BOT_TOKEN)" if isinstance(exc, TelegramUnauthorizedError) \
        else "the Bot API address (404 Not Found: check TELEGRAM_API_URL and BOT_TOKEN)"
    log.error("Telegram refuses %s: delivery paused for %.0f s, no notice is marked failed", what, AUTH_PAUSE)
    poll.stop(f"paused: {exc}")
    return Result(DeliveryStatus.retry, f"{type(exc).__name__}: {exc}")


async def send_target(poll: Poll, event_id: int, t: Target) -> Result:
    """Sends every piece of one target's text (the keyboard on the last); never raises for a Telegram answer."""
    pieces = split_text(t.text) if t.text else []  # files alone: no text before them
    total = len(pieces) + len(t.files)
    chat, done, errors, pauses, moved, reopened = t.chat_id, 0, 0, 0, 0, False
    key = (event_id, t.chat_id)
    while done < total:
        if poll.stopped:
            return Result(DeliveryStatus.retry, poll.stopped)
        await poll.limiter.acquire(chat, tracked=True)
        try:
            try:
                if t.closed_now and not reopened:  # closed by hand, as its service message said: reopened first
                    reopened = True
                    moved_out = await _into_closed(poll, t, done)
                    if moved_out is not None and moved_out is not t:  # not reopened: the general feed
                        t, pieces = moved_out, split_text(moved_out.text)
                        total = len(pieces) + len(t.files)
                await _send_piece(poll.bot, chat, t, pieces, done)
            finally:
                poll.limiter.done()
            done += 1  # a retry resumes after the pieces already sent
            poll.limiter.backoff.ok(WORKER)
        except TelegramRetryAfter as exc:
            pauses += 1
            poll.paused_s += exc.retry_after
            log.warning("429 from Telegram: the whole worker pauses %ss", exc.retry_after)
            await poll.limiter.pause(exc.retry_after)
            if pauses > MAX_PAUSES:
                poll.limiter.backoff.fail(key)
                return Result(DeliveryStatus.retry, exc.message)
        except TelegramMigrateToChat as exc:
            moved += 1
            if moved > 2:
                poll.limiter.backoff.fail(key)
                return Result(DeliveryStatus.retry, f"migrated again: {exc.message}")
            log.info("chat %s became supergroup %s: following it", chat, exc.migrate_to_chat_id)
            chat = exc.migrate_to_chat_id
        except TelegramForbiddenError as exc:
            return _gone(t, exc.message)
        except TelegramBadRequest as exc:
            if any(g in exc.message.lower() for g in GONE):
                return _gone(t, exc.message)
            if t.thread_closed is not None and TOPIC_CLOSED in exc.message.lower() and not reopened:
                reopened = True  # once: a topic closed again at once is not fought over
                moved_out = await _into_closed(poll, t, done)
                if moved_out is not None:  # the same piece again, into the reopened topic or the general feed
                    if moved_out is not t:
                        t, pieces = moved_out, split_text(moved_out.text)
                        total = len(pieces) + len(t.files)
                    continue
            if t.thread_gone is not None and THREAD_GONE in exc.message.lower():
                await t.thread_gone()  # the topic was deleted: a new one is made, this and what follows wait for it
                return Result(DeliveryStatus.retry, exc.message, _moved(t, chat))
            log.error("delivery of event %s to %s refused: %s", event_id, chat, exc.message)
            return Result(DeliveryStatus.failed, exc.message, _moved(t, chat))
        except TelegramEntityTooLarge as exc:
            return Result(DeliveryStatus.failed, exc.message, _moved(t, chat))
        except (TelegramUnauthorizedError, TelegramNotFound) as exc:
            return _bad_setup(poll, exc)
        except (TelegramNetworkError, TelegramServerError) as exc:
            errors += 1
            if poll.stopped or errors >= poll.max_attempts:
                return _network_down(poll, exc) if not poll.stopped else Result(DeliveryStatus.retry, str(exc))
            await poll.sleep(poll.backoff * 2 ** (errors - 1))
        except Exception as exc:  # an answer nobody expected: only this target waits, the others go on
            delay = poll.limiter.backoff.fail(key)
            log.warning("delivery of event %s to %s failed (%s: %s): retried in %.0f s", event_id, chat,
                        type(exc).__name__, exc, delay, exc_info=exc)
            return Result(DeliveryStatus.retry, f"{type(exc).__name__}: {exc}", _moved(t, chat))
    poll.limiter.backoff.ok(key)
    return Result(DeliveryStatus.sent, None, _moved(t, chat))


async def _into_closed(poll: Poll, t: Target, done: int) -> Target | None:
    """A target whose topic is closed: the same target once the topic is reopened; when Telegram refuses that and
    nothing went yet, the one for the chat's general feed (with the ticket's number); None: neither."""
    assert t.thread_closed is not None
    if await t.thread_closed(poll.bot):
        return t
    if done == 0 and t.outside is not None:
        return replace(t, text=t.outside, thread_id=None, thread_closed=None, thread_gone=None, closed_now=False)
    return None


async def _send_piece(bot: Bot, chat: int, t: Target, pieces: list[str], i: int) -> None:
    """Piece `i` of a target: its text pieces (the keyboard on the last), then its files, in its topic if any."""
    if i < len(pieces):
        extra = {"message_thread_id": t.thread_id} if t.thread_id is not None else {}
        await send_one(bot, chat, pieces[i], reply_markup=t.markup if i == len(pieces) - 1 else None, **extra)
        return
    j = i - len(pieces)
    kind, file_id = t.files[j]
    await send_file(bot, chat, kind, file_id, caption=t.captions[j] if j < len(t.captions) else None,
                    thread=t.thread_id)


async def send_file(bot: Bot, chat: int, kind: str, file_id: str, *, caption: str | None = None,
                    thread: int | None = None) -> None:
    """A stored file with its kind's method: Telegram refuses a file id sent with another kind's method."""
    if kind == "photo":
        await bot.send_photo(chat_id=chat, photo=file_id, caption=caption, message_thread_id=thread)
    elif kind == "voice":
        await bot.send_voice(chat_id=chat, voice=file_id, caption=caption, message_thread_id=thread)
    elif kind == "audio":
        await bot.send_audio(chat_id=chat, audio=file_id, caption=caption, message_thread_id=thread)
    else:
        await bot.send_document(chat_id=chat, document=file_id, caption=caption, message_thread_id=thread)


def _moved(t: Target, chat: int) -> int | None:
    return chat if chat != t.chat_id else None


def _gone(t: Target, reason: str) -> Result:
    if t.chat_id < 0:  # a line chat that lost the bot: kept until the chat is bound again
        log.warning("group chat %s refuses the bot (%s): its messages wait for it to be bound again", t.chat_id, reason)
        return Result(DeliveryStatus.retry, HELD + reason)
    log.info("chat %s unreachable (%s): user marked unreachable", t.chat_id, reason)
    return Result(DeliveryStatus.blocked, reason)

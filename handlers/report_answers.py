"""Which message answered which field, and the parts of a long paste, kept in the report's FSM data.

Both live in the FSM data (SQL storage, or Redis with several instances), never in process memory: an edit or
the second part of a paste that arrives after a restart, or at another instance, is still recognised.

- `answers`: message_id -> field key of every typed answer taken, oldest first (at most `MAX_ANSWERS`). The
  last entry is "the last answer": an edit of it replaces the value; an edit of an older one is told to use
  the summary's «✏️» buttons.
- `paste`: the last typed answer to a field step as it arrived (its id, Telegram `date`, text) and the dialog
  data from just before it. Telegram clients split a paste over 4,096 characters into several messages that
  reach the bot within the same second or the next one. A text that arrives within `JOIN_WINDOW` seconds of
  the previous answer (by Telegram's own `date`, so neither a restart nor a second instance changes the
  verdict) is its continuation: the dialog goes back to the data before the first part and the joined text is
  checked as one answer. A tail is therefore never taken on its own, and a too long paste is refused with
  its full length. Only a head of at least `SPLIT_HEAD_MIN` characters is continued, so two short answers sent within a
  second stay two answers; the price: a long answer and another text within a second are read as one.
  Several messages forwarded at once (a colleague's report of the error, in three messages) arrive the same way,
  within a second, each with `forward_origin`: a forwarded text within `JOIN_WINDOW` of a forwarded answer is
  joined to it whatever its length, one line each, so the next steps are not answered by the rest of them.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

JOIN_WINDOW = 1  # seconds between Telegram `date`s (whole seconds) of two parts of one paste
TELEGRAM_LIMIT = 4096  # a part this long was cut by the client, not at a line break
# clients cut a paste near the limit (at the last space or line break before it): a shorter head is a whole
# answer, so two quick short answers (a fast typist, a script, the sandbox) are never glued together
SPLIT_HEAD_MIN = 3000
MAX_ANSWERS = 50


def _ts(message: Message) -> int:
    return int(message.date.timestamp())


def with_answer(data: dict[str, Any], message_id: int, key: str) -> dict[str, Any]:
    """The `answers` map with `message_id` as the last answer (to `key`)."""
    answers = {k: v for k, v in data.get("answers", {}).items() if k != str(message_id)}
    answers[str(message_id)] = key
    return dict(list(answers.items())[-MAX_ANSWERS:])


def answered_field(data: dict[str, Any], message_id: int) -> tuple[str | None, bool]:
    """The field `message_id` answered (None: it answered nothing) and whether it is the last answer."""
    answers: dict[str, str] = data.get("answers", {})
    key = answers.get(str(message_id))
    return key, key is not None and next(reversed(answers)) == str(message_id)


def paste_part(message: Message, text: str, before: dict[str, Any]) -> dict[str, Any]:
    """The `paste` record of a typed answer; `before` is the dialog data it arrived on."""
    return {"mid": message.message_id, "date": _ts(message), "text": text, "fwd": _forwarded(message),
            "before": {k: v for k, v in before.items() if k != "paste"}}


def _forwarded(message: Message) -> bool:
    return message.forward_origin is not None


def joined(head: str, tail: str, *, forwarded: bool = False) -> str:
    """One text again: a cut at the limit is glued as is, a cut at a space keeps it, else a line break (always
    one between forwarded messages: each is whole)."""
    if forwarded:
        return head.rstrip() + "\n" + tail.lstrip()
    if len(head) >= TELEGRAM_LIMIT or head[-1:].isspace() or tail[:1].isspace():
        return head + tail
    return head + "\n" + tail


class PasteTail(Filter):
    """A text that continues the previous typed answer of this chat (see the module docstring)."""

    async def __call__(self, message: Message, state: FSMContext) -> bool | dict[str, Any]:
        if message.text is None:
            return False
        paste = (await state.get_data()).get("paste")
        if not paste or message.message_id <= paste["mid"] or not 0 <= _ts(message) - paste["date"] <= JOIN_WINDOW:
            return False
        if _forwarded(message) and paste.get("fwd"):  # several messages forwarded at once: one answer
            return {"paste": paste}
        if len(paste["text"]) < SPLIT_HEAD_MIN:
            return False
        return {"paste": paste}

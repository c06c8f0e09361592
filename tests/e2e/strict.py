"""What the Bot API refuses, as the recording session applies it: the rules live in `sandbox/rules.py`.

The local Bot API sandbox applies the same rules over HTTP, so the refusals the e2e tests meet and the ones a
person meets in the web chat are one code. Every rule is on by default; a test relaxes one by name
(`session.relax("chat_rate")`).
"""

from __future__ import annotations

from sandbox.rules import (
    BLOCKED,
    BUTTON_DATA_INVALID,
    CALLBACK_TTL,
    CAPTION_LIMIT,
    CAPTION_TOO_LONG,
    DATA_LIMIT,
    NOT_MODIFIED,
    QUERY_INVALID,
    RULES,
    TEXT_EMPTY,
    TEXT_LIMIT,
    TOO_LONG,
    Bucket,
    HtmlError,
    Refusal,
    TelegramRules,
    html_plain_length,
    plain_length,
)

__all__ = ["BLOCKED", "BUTTON_DATA_INVALID", "CALLBACK_TTL", "CAPTION_LIMIT", "CAPTION_TOO_LONG", "DATA_LIMIT",
           "NOT_MODIFIED", "QUERY_INVALID", "RULES", "TEXT_EMPTY", "TEXT_LIMIT", "TOO_LONG", "Bucket", "HtmlError",
           "Refusal", "TelegramRules", "html_plain_length", "plain_length"]

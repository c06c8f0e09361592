"""A logging filter that masks secrets (the bot token, the admin token) in every record a handler emits.

aiogram and aiohttp put the request URL, `…/bot<token>/getUpdates`, into connection errors and redirects;
the filter rewrites the message, its args and the exception text (traceback included) before formatting.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable

MASK = "***"


class SecretFilter(logging.Filter):
    """Replaces each secret (and the bot token's secret half, after the colon) by ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        words: set[str] = set()
        for s in secrets:
            if s and len(s) >= 8:
                words.add(s)
                if ":" in s and len(s.split(":", 1)[1]) >= 8:
                    words.add(s.split(":", 1)[1])  # the part that makes a bot token a secret
        self._re = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))) if words else None

    def mask(self, text: str) -> str:
        return self._re.sub(MASK, text) if self._re is not None else text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._re is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's business, not ours
            return True
        if isinstance(record.args, tuple) and record.args:
            # formatters that read the args themselves (uvicorn's access log unpacks them) need them kept
            record.msg = self.mask(str(record.msg))
            record.args = tuple(a if isinstance(a, int | float) else self.mask(str(a)) for a in record.args)
        else:
            record.msg, record.args = self.mask(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text, record.exc_info = self.mask(text).rstrip("\n"), None
        elif record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def install(secrets: Iterable[str], logger: logging.Logger | None = None) -> SecretFilter:
    """Puts one SecretFilter on every handler of `logger` (the root logger by default)."""
    flt = SecretFilter(secrets)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(flt)
    return flt

"""The bot token and the admin token in logs: masked in messages, args and tracebacks (regression: token in logs)."""

from __future__ import annotations

import io
import logging

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError

from core.redact import SecretFilter, install

BOT_TOKEN = "7312345678:AAHk3JqA9-ZxWv2pL0m_sQeR4tYuI8oPaSd"
ADMIN = "adm-Zq81mXvL0pRt55sW9yBn"
SECRET_HALF = BOT_TOKEN.split(":", 1)[1]


async def test_token_in_logs_is_masked_for_connection_errors_with_the_bot_url(
        caplog: pytest.LogCaptureFixture, unused_tcp_port: int) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    flt = install([BOT_TOKEN, ADMIN])
    caplog.handler.addFilter(flt)
    bot = Bot(BOT_TOKEN, session=AiohttpSession(
        api=TelegramAPIServer.from_base(f"http://127.0.0.1:{unused_tcp_port}")))
    try:
        with pytest.raises(TelegramNetworkError) as err:
            await bot.get_updates()
        log = logging.getLogger("aiogram.test")
        log.error("Failed to fetch updates - %s: %s", type(err.value).__name__, err.value)
        log.warning("request to %s failed", f"http://127.0.0.1/bot{BOT_TOKEN}/getUpdates")
        log.error("redirected to http://x/bot%s/getMe with admin %s", BOT_TOKEN, ADMIN)
        try:
            raise RuntimeError(f"GET http://127.0.0.1/bot{BOT_TOKEN}/getMe: refused ({ADMIN})")
        except RuntimeError:
            log.exception("delivery poll failed")
    finally:
        await bot.session.close()
        root.removeHandler(handler)
        for h in root.handlers:
            h.removeFilter(flt)
    written = stream.getvalue() + caplog.text
    assert "getUpdates" in written and "delivery poll failed" in written and "Traceback" in written
    assert BOT_TOKEN not in written and SECRET_HALF not in written and ADMIN not in written
    assert "***" in written


def test_short_or_missing_secrets_mask_nothing() -> None:
    flt = SecretFilter(["", "abc"])
    assert flt.mask("abc is not a secret") == "abc is not a secret"


def test_uvicorn_access_lines_still_format_after_masking(caplog: pytest.LogCaptureFixture) -> None:
    # the access formatter unpacks record.args: masking once set them to None and every access line failed
    from uvicorn.logging import AccessFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))
    logger = logging.getLogger("test.access.masking")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    install(["123456:SECRET-token-part"], logger)
    logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "POST", "/bot123456:SECRET-token-part/getMe", "1.1", 200)
    assert stream.getvalue().strip() == '127.0.0.1:5 - "POST /bot***/getMe HTTP/1.1" 200 OK'

"""Webhook mode: the receiving route in the web process, and setWebhook / deleteWebhook / getWebhookInfo."""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import JSONResponse

from admin_api.errors import error_body
from bot.webhook_inbox import InboxFeeder, store

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

    from app.root import Root
    from core.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# always asked for: the bot added to / removed from a line chat, a user blocking it (handlers/line_chat.py)
ALWAYS = frozenset({"message", "callback_query", "my_chat_member"})


def serve_webhook(root: Root) -> InboxFeeder:
    """Mounts the webhook route on the root's API; returns the feeder the caller runs (`await feeder.run()`)."""
    settings = root.settings
    if root.api is None or root.bot is None or root.dp is None or settings.webhook_secret is None:
        raise RuntimeError("webhook mode needs the API, the bot and WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value().encode()
    factory = root.session_factory
    feeder = InboxFeeder(session_factory=factory, bot=root.bot, dp=root.dp,
                         lease=timedelta(seconds=settings.webhook_lease_seconds))

    @root.api.post(settings.webhook_path, include_in_schema=False)
    async def telegram_webhook(request: Request) -> JSONResponse:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode(), secret):
            client = request.client.host if request.client is not None else "?"
            log.warning("webhook: %s secret token from %s: refused with 401",
                        "no" if given is None else "a wrong", client)
            return JSONResponse(error_body("unauthorized", "wrong or missing secret token"), status_code=401)
        try:
            payload: Any = await request.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return JSONResponse(error_body("validation_failed", "not a Telegram update",
                                           fields={"update_id": "required integer"}), status_code=400)
        if await store(session_factory=factory, payload=payload):
            feeder.wake.set()
        return JSONResponse({"ok": True})

    return feeder


def allowed_updates(dp: Dispatcher) -> list[str]:
    """The update types the handlers use, plus the ones the product always needs."""
    return sorted(set(dp.resolve_used_update_types()) | ALWAYS)


async def set_webhook(*, bot: Bot, dp: Dispatcher, settings: Settings, drop_pending: bool = False) -> list[str]:
    """Registers WEBHOOK_URL with the secret and the allowed updates; returns the allowed updates."""
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ValueError("WEBHOOK_URL and WEBHOOK_SECRET are required")
    updates = allowed_updates(dp)
    await bot.set_webhook(url=settings.webhook_url, secret_token=settings.webhook_secret.get_secret_value(),
                          allowed_updates=updates, drop_pending_updates=drop_pending)
    return updates


async def webhook_info(*, bot: Bot) -> dict[str, Any]:
    """getWebhookInfo as plain data (no secret: Telegram never returns it)."""
    info = await bot.get_webhook_info()
    return info.model_dump(mode="json", exclude_none=True)

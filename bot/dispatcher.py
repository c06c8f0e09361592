"""Builds the Bot and the Dispatcher: session, middlewares, routers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiogram.client.session.base import BaseSession

    from bot.root import Root


def wire(root: Root, *, bot_session: BaseSession | None = None) -> None:
    """Sets root.bot and root.dp."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.default import DefaultBotProperties
    from aiogram.enums import ParseMode

    token = root.settings.bot_token.get_secret_value() if root.settings.bot_token else "42:TEST"
    session = bot_session
    if session is None and root.settings.telegram_api_url:
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(root.settings.telegram_api_url))
    root.bot = Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    root.dp = Dispatcher()

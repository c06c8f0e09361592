"""With TELEGRAM_API_URL the bot talks HTTP to any Bot API-compatible server: a fake one here, real polling."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiogram import F, Router
from aiogram.types import Message
from aiohttp import web
from pydantic import SecretStr

from app.root import build_root
from core.settings import Settings
from tests.conftest import _empty

TOKEN = "123456:TEST-token"


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates = [{"update_id": 10, "message": {
            "message_id": 1, "date": 1_700_000_000, "text": "ping-over-http",
            "chat": {"id": 77, "type": "private", "first_name": "U"},
            "from": {"id": 77, "is_bot": False, "first_name": "U", "language_code": "ru"}}}]
        self.got_reply = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        assert request.match_info["token"] == TOKEN
        method = request.match_info["method"]
        params = dict(await request.post())
        self.calls.append((method, params))
        result: Any = True
        if method == "getMe":
            result = {"id": 123456, "is_bot": True, "first_name": "Support", "username": "support_test_bot"}
        elif method == "getUpdates":
            result, self.updates = self.updates, []
            if not result:
                await asyncio.sleep(0.05)
        elif method == "sendMessage":
            result = {"message_id": 5, "date": 1_700_000_001, "text": params.get("text"),
                      "chat": {"id": int(params["chat_id"]), "type": "private", "first_name": "U"}}
            self.got_reply.set()
        return web.json_response({"ok": True, "result": result})


async def test_polling_through_a_bot_api_compatible_server(settings: Settings) -> None:
    api = FakeBotApi()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    s = settings.model_copy(update={"bot_token": SecretStr(TOKEN), "telegram_api_url": f"http://127.0.0.1:{port}"})
    root = build_root(s, with_api=False)
    r = Router(name="test-ping")

    @r.message(F.text == "ping-over-http")
    async def pong(message: Message) -> None:
        await message.answer("pong <b>ok</b>")

    parent = root.user_router
    parent.include_router(r)
    parent.sub_routers.insert(0, parent.sub_routers.pop())
    try:
        await root.startup()
        assert root.bot is not None and root.dp is not None
        polling = asyncio.create_task(root.dp.start_polling(root.bot, handle_signals=False, polling_timeout=1))
        await asyncio.wait_for(api.got_reply.wait(), timeout=10)
        await root.dp.stop_polling()
        await asyncio.wait_for(polling, timeout=10)
    finally:
        await _empty(root)
        await root.shutdown()
        await runner.cleanup()
    methods = [m for m, _ in api.calls]
    # the default menu (default, ru, en), then the line chats' (BotCommandScopeAllGroupChats: default, ru, en)
    assert methods.count("setMyCommands") == 6 and "getUpdates" in methods
    scopes = [json.loads(p["scope"])["type"] for m, p in api.calls if m == "setMyCommands"]
    assert scopes == ["default"] * 3 + ["all_group_chats"] * 3
    reply = next(p for m, p in api.calls if m == "sendMessage")
    assert reply["chat_id"] == "77" and reply["text"] == "pong <b>ok</b>" and reply["parse_mode"] == "HTML"
    menus = [json.loads(p["commands"]) for m, p in api.calls if m == "setMyCommands"]
    assert menus[0][1] == {"command": "report", "description": "Сообщить о проблеме"}
    assert menus[2][1] == {"command": "report", "description": "Report a problem"}

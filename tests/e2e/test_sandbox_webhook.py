"""The sandbox's webhook mode as Telegram's: setWebhook's refusals, 409 on getUpdates while a webhook is set, each
update POSTed with the secret header, retried until answered 2xx, a chat's updates in order, duplicates on demand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiohttp import web

from sandbox.server import SandboxConfig, create_app, new_token
from sandbox.webhook import SECRET_HEADER
from tests.e2e.sandbox_client import free_port


class Receiver:
    """A webhook endpoint that records what it got and answers with the statuses it is told to."""

    def __init__(self) -> None:
        self.got: list[tuple[str | None, dict[str, Any]]] = []
        self.fail: dict[str, int] = {}  # a message text -> how many times it is answered 500 before 200
        self.port = free_port()
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        self.got.append((request.headers.get(SECRET_HEADER), update))
        self.arrived.set()
        text = update.get("message", {}).get("text", "")
        if self.fail.get(text):
            self.fail[text] -= 1
            return web.Response(status=500)
        return web.Response(status=200)

    def texts(self) -> list[str]:
        return [u["message"]["text"] for _, u in self.got if "message" in u]

    async def until(self, n: int, seconds: float = 10) -> None:
        async def wait() -> None:
            while len(self.got) < n:
                self.arrived.clear()
                await self.arrived.wait()
        await asyncio.wait_for(wait(), seconds)


@pytest.fixture
async def hook(tmp_path: Path) -> AsyncIterator[tuple[Bot, httpx.AsyncClient, Receiver]]:
    token, port = new_token(), free_port()
    app = create_app(SandboxConfig(token=token, data_dir=tmp_path, rate_limits=False, webhook_over_http=True))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    rec = Receiver()
    wapp = web.Application()
    wapp.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(wapp)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", rec.port).start()
    base = f"http://127.0.0.1:{port}"
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base)))
    http = httpx.AsyncClient(base_url=base)
    try:
        yield bot, http, rec
    finally:
        await bot.session.close()
        await http.aclose()
        await runner.cleanup()
        server.should_exit = True
        await task


async def ctl(http: httpx.AsyncClient, method: str, path: str, **kw: Any) -> Any:
    data = (await http.request(method, "/sandbox/api" + path, **kw)).json()
    assert data["ok"], data
    return data["result"]


async def say(http: httpx.AsyncClient, uid: int, text: str) -> None:
    await ctl(http, "POST", f"/chats/{uid}/messages", json={"from_id": uid, "text": text})


async def test_set_webhook_refuses_what_telegram_refuses(hook: Any, tmp_path: Path) -> None:
    bot, _, rec = hook
    with pytest.raises(TelegramBadRequest, match="HTTPS"):
        await bot.set_webhook(url=f"http://127.0.0.1:{rec.port}/hook")
    with pytest.raises(TelegramBadRequest, match="unallowed characters"):
        await bot.set_webhook(url=f"https://127.0.0.1:{rec.port}/hook", secret_token="no spaces please")
    with pytest.raises(TelegramBadRequest, match="max_connections"):
        await bot.set_webhook(url=f"https://127.0.0.1:{rec.port}/hook", max_connections=101)
    strict = create_app(SandboxConfig(token=new_token(), data_dir=tmp_path / "strict", webhook_over_http=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://sb") as http:
        token = strict.state.world.token
        resp = await http.post(f"/bot{token}/setWebhook", json={"url": "https://example.org:9999/hook"})
        assert resp.status_code == 400 and "ports 80, 88, 443 or 8443" in resp.json()["description"]
    assert (await bot.get_webhook_info()).url == ""


async def test_updates_are_posted_with_the_secret_and_polling_is_refused_meanwhile(hook: Any) -> None:
    bot, http, rec = hook
    uid = int((await ctl(http, "POST", "/users", json={"first_name": "Анна"}))["id"])
    url = f"https://127.0.0.1:{rec.port}/hook"
    assert await bot.set_webhook(url=url, secret_token="s3cret_-token", allowed_updates=["message"])
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates(timeout=0)
    await say(http, uid, "/start")
    await rec.until(1)
    secret, update = rec.got[0]
    assert secret == "s3cret_-token" and update["message"]["text"] == "/start"
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0 and info.allowed_updates == ["message"]
    assert await bot.delete_webhook()
    await say(http, uid, "опять опрос")
    [polled] = await bot.get_updates(timeout=0)  # polling works again once the webhook is gone
    assert polled.message is not None and polled.message.text == "опять опрос"


async def test_an_unanswered_update_is_retried_and_holds_back_its_chat_only(hook: Any) -> None:
    bot, http, rec = hook
    anna = int((await ctl(http, "POST", "/users", json={"first_name": "Анна"}))["id"])
    boris = int((await ctl(http, "POST", "/users", json={"first_name": "Борис"}))["id"])
    rec.fail = {"первое": 2}
    await bot.set_webhook(url=f"https://127.0.0.1:{rec.port}/hook")
    await say(http, anna, "первое")
    await rec.until(1)
    await say(http, anna, "второе")
    await say(http, boris, "другой чат")
    await rec.until(5)
    texts = rec.texts()
    assert [t for t in texts if t != "другой чат"] == ["первое"] * 3 + ["второе"]  # 500 twice, then 200; in order
    assert texts.index("другой чат") < 3  # Boris's chat was not held back by Anna's failing update
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.pending_update_count == 0


async def test_the_duplicate_knob_posts_every_nth_update_twice(hook: Any) -> None:
    bot, http, rec = hook
    uid = int((await ctl(http, "POST", "/users", json={"first_name": "Анна"}))["id"])
    await ctl(http, "POST", "/settings", json={"webhook_duplicate_every": 2})
    await bot.set_webhook(url=f"https://127.0.0.1:{rec.port}/hook")
    for text in ("раз", "два", "три", "четыре"):
        await say(http, uid, text)
    await rec.until(6)
    assert sorted(rec.texts()) == sorted(["раз", "два", "два", "три", "четыре", "четыре"])
    stats = await ctl(http, "GET", "/revision")
    assert stats["webhook_delivered"] == 4 and stats["webhook_duplicates"] == 2

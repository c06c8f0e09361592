"""Drives people in the Bot API sandbox over its control API (real HTTP), for tests with the product as a process.

    sb = SandboxClient("http://127.0.0.1:8090")
    uid = (await sb.create_user("Анна"))["id"]
    await sb.say(uid, "/start")            # returns when the bot has answered and gone quiet
    await sb.tap(uid, "Сообщить")          # presses a button of the last inline keyboard in that chat
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SandboxError(AssertionError):
    pass


class SandboxClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.AsyncClient(base_url=base, timeout=60)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        resp = await self.http.request(method, "/sandbox/api" + path, **kw)
        data = resp.json()
        if not data.get("ok"):
            raise SandboxError(f"{method} {path}: {resp.status_code} {data.get('description')}")
        return data["result"]

    async def wait_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                await self.call("GET", "/revision")
                return
            except (httpx.HTTPError, ValueError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)

    async def revision(self) -> int:
        return int((await self.call("GET", "/revision"))["revision"])

    async def settle(self, since: int, *, quiet: float = 0.8, limit: float = 40.0) -> None:
        """Waits until something changed after `since` and then nothing more for `quiet` seconds."""
        deadline = time.monotonic() + limit
        last, stable_from = since, time.monotonic()
        while time.monotonic() < deadline:
            rev = await self.revision()
            if rev != last:
                last, stable_from = rev, time.monotonic()
            elif rev != since and time.monotonic() - stable_from >= quiet:
                return
            await asyncio.sleep(0.1)
        raise SandboxError(f"the bot did not answer within {limit} s")

    async def create_user(self, first_name: str, language_code: str = "ru") -> dict[str, Any]:
        return dict(await self.call("POST", "/users", json={"first_name": first_name, "language_code": language_code}))

    async def state(self) -> dict[str, Any]:
        return dict(await self.call("GET", "/state"))

    async def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return list(await self.call("GET", f"/chats/{chat_id}/messages"))

    async def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        bot_id = (await self.state())["bot"]["id"]
        return [m for m in await self.messages(chat_id) if m["from"]["id"] == bot_id]

    async def texts(self, chat_id: int) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in await self.bot_messages(chat_id)]

    async def last_text(self, chat_id: int) -> str:
        texts = await self.texts(chat_id)
        return texts[-1] if texts else ""

    async def say(self, uid: int, text: str, *, chat_id: int | None = None, settle: bool = True,
                  thread_id: int | None = None, reply_to: int | None = None) -> int:
        """Writes `text` as `uid`; returns the message's id (to edit or reply to it later)."""
        since = await self.revision()
        sent = await self.call("POST", f"/chats/{chat_id or uid}/messages",
                               json={"from_id": uid, "text": text, "thread_id": thread_id, "reply_to": reply_to})
        if settle:
            await self.settle(since)
        return int(sent["message_id"])

    async def edit(self, uid: int, message_id: int, text: str, *, chat_id: int | None = None,
                   settle: bool = True) -> dict[str, Any]:
        """`uid` edits their message (an `edited_message` update for the bot); returns the edited message."""
        since = await self.revision()
        edited = await self.call("POST", f"/chats/{chat_id or uid}/messages/{message_id}/edit",
                                 json={"from_id": uid, "text": text})
        if settle:
            await self.settle(since)
        return dict(edited)

    async def button(self, chat_id: int, contains: str, *, wait: float = 30.0) -> tuple[int, str]:
        """The message id and callback data of the newest button whose text contains `contains`.

        Waits for it up to `wait` seconds: on a loaded machine the bot can be quiet for longer than `settle`'s
        quiet spell between a callback's answer and the message that follows it (a CI run on PostgreSQL pressed
        «Отправить» before the summary had come).
        """
        deadline = time.monotonic() + wait
        while True:
            for msg in reversed(await self.bot_messages(chat_id)):
                for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []):
                    for b in row:
                        if contains in b["text"] and "callback_data" in b:
                            return msg["message_id"], b["callback_data"]
            if time.monotonic() > deadline:
                raise SandboxError(f"no button «{contains}» in chat {chat_id}: {await self.texts(chat_id)}")
            await asyncio.sleep(0.2)

    async def wait_text(self, chat_id: int, contains: str, *, wait: float = 30.0) -> str:
        """The bot's newest message in the chat once it contains `contains` (waits up to `wait` seconds)."""
        deadline = time.monotonic() + wait
        while True:
            last = await self.last_text(chat_id)
            if contains in last:
                return last
            if time.monotonic() > deadline:
                raise SandboxError(f"the bot's last message in chat {chat_id} never had «{contains}»: {last!r}")
            await asyncio.sleep(0.2)

    async def tap(self, uid: int, contains: str, *, chat_id: int | None = None) -> dict[str, Any]:
        """Presses the button; returns the bot's answer to the callback query."""
        chat = chat_id or uid
        mid, data = await self.button(chat, contains)
        since = await self.revision()
        qid = (await self.call("POST", f"/chats/{chat}/press", json={"from_id": uid, "message_id": mid,
                                                                     "data": data}))["query_id"]
        await self.settle(since)
        answer = await self.call("GET", f"/callbacks/{qid}", params={"wait": 10})
        if answer["answer"] is None:
            raise SandboxError(f"the callback «{contains}» was never answered")
        return dict(answer["answer"])

    async def upload(self, uid: int, name: str, data: bytes, mime: str, *, as_photo: bool = False) -> None:
        since = await self.revision()
        await self.call("POST", f"/chats/{uid}/files", data={"from_id": str(uid), "as_photo": str(as_photo).lower()},
                        files={"file": (name, data, mime)})
        await self.settle(since)


def product_env(tmp: Path, *, admin_port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a product process in `tmp` (its own SQLite file; no .env of the repository)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "REDIS_"))}
    env.update(ADMIN_API_TOKEN="sandbox-e2e-admin-token-0123456789", ADMIN_API_PORT=str(admin_port),
               DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'support.db'}", KB_MEANING="false", KB_SEED_SAMPLE="false",
               DELIVERY_POLL_SECONDS="0.3", PYTHONUNBUFFERED="1", **(extra or {}))
    return env


def start(args: list[str], tmp: Path, env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
    log = (tmp / log_name).open("ab")
    return subprocess.Popen([str(Path(sys.executable).parent / "support-bot"), *args], cwd=tmp, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    if proc.poll() is None:
        proc.kill() if kill else proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

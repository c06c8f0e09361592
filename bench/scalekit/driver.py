"""Many users at once through the sandbox's control API: each one onboards and reports a consultation up to its
number («SD-…»), one action at a time, waiting for the bot's answer in its own chat (the sandbox's event stream
says which chat changed, so no chat is polled in a loop)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

NUMBER = re.compile(r"SD-\d+")
STEP_TIMEOUT = 60.0  # one answer; a killed web instance's leased updates wait out their lease (30 s)


class DialogError(AssertionError):
    pass


@dataclass
class UserRun:
    uid: int
    name: str
    login: str
    number: str | None = None
    error: str | None = None
    latencies: list[float] = field(default_factory=list)


Check = Callable[[list[dict[str, Any]]], bool]


def _buttons(msg: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def _text(msg: dict[str, Any]) -> str:
    return str(msg.get("text") or msg.get("caption") or "")


class Driver:
    """`async with Driver(sandbox_url) as d: await d.run_users(n, concurrency=…)`."""

    def __init__(self, sandbox: str, *, think: float = 1.1) -> None:
        # a person reads and types: ~1 s between two actions, the pace the product's per-user throttle allows
        # (1 update/s after a burst of 5); faster, the bot rightly answers «подождите пару секунд»
        self.sandbox, self.think = sandbox, think
        # aiohttp rather than httpx: the driver shares the 2 cores with what it measures, so it must be cheap
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60),
                                          # under uvicorn's 5 s keep-alive: a connection idle while a user
                                          # waits is never reused just as the server closes it
                                          connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=3))
        self._events: dict[int, asyncio.Event] = {}
        self._listen: asyncio.Task[None] | None = None
        self.bot_id = 0
        self.updates_sent = 0
        self.on_done: Callable[[UserRun], Any] | None = None

    async def __aenter__(self) -> Driver:
        self.bot_id = int((await self.call("GET", "/state"))["bot"]["id"])
        self._listen = asyncio.create_task(self._stream())
        await asyncio.sleep(0.3)  # the stream is open before the first action
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._listen is not None:
            self._listen.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listen
        await self.http.close()

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        for attempt in range(3):
            try:
                async with self.http.request(method, f"{self.sandbox}/sandbox/api{path}", **kw) as resp:
                    data = await resp.json()
                    if not data.get("ok"):
                        raise DialogError(f"{method} {path}: {resp.status} {data.get('description')}")
                    return data["result"]
            except aiohttp.ServerDisconnectedError:
                # a kept connection the sandbox closed before reading the request: nothing was done, send again
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _stream(self) -> None:
        while True:
            try:
                async with self.http.get(f"{self.sandbox}/sandbox/events",
                                         timeout=aiohttp.ClientTimeout(total=None)) as resp:
                    async for raw in resp.content:
                        line = raw.decode()
                        if line.startswith("data: "):
                            event = json.loads(line[6:])
                            chat = event.get("chat_id")
                            if isinstance(chat, int) and chat in self._events:
                                self._events[chat].set()
            except aiohttp.ClientError:
                await asyncio.sleep(0.5)

    async def bot_messages(self, chat: int, *, last: int = 0) -> list[dict[str, Any]]:
        msgs = await self.call("GET", f"/chats/{chat}/messages", params={"last": last})
        return [m for m in msgs if m["from"]["id"] == self.bot_id]

    async def wait(self, chat: int, check: Check, what: str, seconds: float = STEP_TIMEOUT) -> list[dict[str, Any]]:
        """Waits until `check` holds on the chat's newest bot messages, re-read after each change of the chat
        (the caller cleared the chat's event before its action, so the answer's event is not missed)."""
        event = self._events[chat]
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), max(0.01, min(left, 2.0)))  # re-read now and then anyway
            event.clear()
            msgs = await self.bot_messages(chat, last=4)
            if check(msgs):
                return msgs
            if time.monotonic() >= deadline:
                raise DialogError(f"user {chat}: no {what} within {seconds:.0f} s; last: "
                                  f"{_text(msgs[-1])[:200] if msgs else '—'}")

    async def say(self, run: UserRun, text: str, check: Check, what: str) -> list[dict[str, Any]]:
        await asyncio.sleep(self.think if run.latencies else 0)
        self._events[run.uid].clear()
        t0 = time.monotonic()
        await self.call("POST", f"/chats/{run.uid}/messages", json={"from_id": run.uid, "text": text})
        self.updates_sent += 1
        msgs = await self.wait(run.uid, check, what)
        run.latencies.append(time.monotonic() - t0)
        return msgs

    async def tap(self, run: UserRun, msgs: list[dict[str, Any]], contains: str, check: Check,
                  what: str) -> list[dict[str, Any]]:
        for msg in reversed(msgs):
            found = [b for b in _buttons(msg) if contains in b["text"] and "callback_data" in b]
            if found:
                await asyncio.sleep(self.think)
                self._events[run.uid].clear()
                t0 = time.monotonic()
                pressed = await self.call("POST", f"/chats/{run.uid}/press", json={
                    "from_id": run.uid, "message_id": msg["message_id"], "data": found[0]["callback_data"]})
                qid = pressed["query_id"]
                self.updates_sent += 1
                try:
                    out = await self.wait(run.uid, check, what)
                except DialogError as exc:
                    answer = (await self.call("GET", f"/callbacks/{qid}"))["answer"]
                    raise DialogError(f"{exc} (the press was answered {answer})") from None
                run.latencies.append(time.monotonic() - t0)
                return out
        raise DialogError(f"user {run.uid}: no button «{contains}»; last: {_text(msgs[-1])[:200] if msgs else '—'}")

    async def dialog(self, run: UserRun) -> None:
        """Onboarding (name, login, region) and a consultation to its number."""
        def last_has(*needles: str) -> Check:
            def check(msgs: list[dict[str, Any]]) -> bool:
                if not msgs:
                    return False
                seen = _text(msgs[-1]) + " " + " ".join(b["text"] for b in _buttons(msgs[-1]))
                return all(n in seen for n in needles)
            return check

        msgs = await self.say(run, "/start", last_has("фамилию, имя и отчество"), "question of the full name")
        msgs = await self.say(run, run.name, last_has("логин"), "question of the login")
        msgs = await self.say(run, run.login, last_has("МРФ Волга"), "choice of the region")
        msgs = await self.tap(run, msgs, "МРФ Волга", last_has("Профиль сохранён"), "saved profile")
        msgs = await self.say(run, "📝 Сообщить о проблеме", last_has("CRM B2C"), "choice of the service")
        msgs = await self.tap(run, msgs, "CRM B2C", last_has("Консультация"), "choice of the type")
        # the question itself, read before answering as a person does (a check that held at once let the answer
        # race the press on an overloaded CI run: «Выберите вариант кнопкой» to 4 of 200 users)
        msgs = await self.tap(run, msgs, "Консультация", last_has("Шаг 1 из"), "question of the consultation")
        msgs = await self.say(run, f"Как выгрузить отчёт по клиентам B2C за месяц? ({run.login})",
                              last_has("Согласен"), "priority offered")
        msgs = await self.tap(run, msgs, "Согласен", last_has("Отправить"), "summary")
        msgs = await self.tap(run, msgs, "Отправить", lambda m: any(NUMBER.search(_text(x)) for x in m),
                              "ticket number")
        found = [NUMBER.search(_text(m)) for m in msgs]
        run.number = next(m.group(0) for m in found if m)

    async def run_users(self, n: int, *, concurrency: int, first: int = 0) -> list[UserRun]:
        """Creates `n` users and runs their dialogs, at most `concurrency` at once."""
        runs: list[UserRun] = []
        for i in range(first, first + n):
            user = await self.call("POST", "/users", json={"first_name": f"Пользователь{i}", "language_code": "ru"})
            uid = int(user["id"])
            self._events[uid] = asyncio.Event()
            runs.append(UserRun(uid=uid, name=f"Нагрузкин Пользователь {i}", login=f"load.user{i}"))
        gate = asyncio.Semaphore(concurrency)

        async def one(run: UserRun) -> None:
            async with gate:
                try:
                    await self.dialog(run)
                except (DialogError, aiohttp.ClientError, TimeoutError) as exc:
                    run.error = str(exc)
                if self.on_done is not None:
                    self.on_done(run)

        await asyncio.gather(*(one(r) for r in runs))
        return runs

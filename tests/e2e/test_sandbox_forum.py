"""Forum mode over real HTTP against the Bot API sandbox (the demo's line chats are forums with the bot as admin):
the ticket's topic with its card, staff ↔ user relay, a topic deleted by a person recreated with the missed message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tests.e2e.sandbox_client import SandboxClient
from tests.e2e.test_sandbox_product import _report_until_summary, demo

__all__ = ["demo"]  # the fixture, imported from the product's sandbox tests


async def _until(what: str, probe: Callable[[], Awaitable[Any]], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        got = await probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.3)


async def _in_topic(sb: SandboxClient, chat_id: int, thread: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in await sb.bot_messages(chat_id)
            if m.get("message_thread_id") == thread]


async def test_a_ticket_gets_a_topic_and_staff_and_user_talk_through_it(demo: Any) -> None:
    sb, api, _ = demo
    state = await sb.state()
    anna = next(u for u in state["users"] if u["first_name"] == "Анна")["id"]
    chat = next(c for c in state["chats"] if c.get("title") == "2ЛТП (эксплуатация)")["id"]
    await _report_until_summary(sb, anna)
    await sb.tap(anna, "Отправить")
    [ticket] = (await api.get("/tickets")).json()["items"]
    [staff] = [s for s in (await api.get("/staff")).json() if s["line_code"] == "line2"]
    staff_tg = int(staff["user"]["tg_id"])

    async def topic() -> dict[str, Any] | None:
        c = next(c for c in (await sb.state())["chats"] if c["id"] == chat)
        return next((t for t in c["topics"] if t["name"].startswith(ticket["number"])), None)

    first = await _until("the ticket's topic", topic)
    thread = int(first["message_thread_id"])
    await _until("the card in the topic", lambda: _has(sb, chat, thread, "📌"))

    await sb.call("POST", f"/chats/{chat}/messages",
                  json={"from_id": staff_tg, "text": "Пересоздали индекс, проверьте закрытие наряда",
                        "thread_id": thread})
    reply = await _until("the staff reply at the user's",
                         lambda: _last_with(sb, anna, "Пересоздали индекс"))
    assert staff["user"]["full_name"] in reply  # RELAY_STAFF_NAME is on by default

    await sb.tap(anna, "Ответить")
    await sb.say(anna, "Наряд закрылся, спасибо")
    await _until("the user's comment in the topic", lambda: _has(sb, chat, thread, "Наряд закрылся"))

    # someone deletes the topic in Telegram; the user writes again: a new topic, the card, the message
    await sb.call("POST", f"/chats/{chat}/topics/{thread}/delete", json={"from_id": staff_tg})
    resp = await api.post(f"/tickets/{ticket['id']}/comments",
                          json={"staff_id": staff["id"], "text": "Уточните, пожалуйста, номер наряда"})
    assert resp.status_code == 201, resp.text
    await _until("the API comment at the user's", lambda: _last_with(sb, anna, "номер наряда"))
    await sb.tap(anna, "Ответить")
    await sb.say(anna, "Ещё вопрос после удаления темы")
    second = await _until("a new topic", lambda: _new_topic(sb, chat, ticket["number"], thread))
    new = int(second["message_thread_id"])
    await _until("the card in the new topic", lambda: _has(sb, chat, new, "📌"))
    await _until("the missed message in the new topic", lambda: _has(sb, chat, new, "Ещё вопрос после удаления"))


async def _has(sb: SandboxClient, chat: int, thread: int, part: str) -> bool:
    return any(part in t for t in await _in_topic(sb, chat, thread))


async def _last_with(sb: SandboxClient, uid: int, part: str) -> str | None:
    return next((t for t in reversed(await sb.texts(uid)) if part in t), None)


async def _new_topic(sb: SandboxClient, chat: int, number: str, old: int) -> dict[str, Any] | None:
    c = next(c for c in (await sb.state())["chats"] if c["id"] == chat)
    return next((t for t in c["topics"] if t["name"].startswith(number) and t["message_thread_id"] != old), None)

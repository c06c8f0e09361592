"""The sandbox's demo: a few users, one staff member per support group, each group's line chat bound to it.

People and chats are made in the sandbox (they are Telegram's side); staff records and chat bindings go through
the product's admin API, as an administrator would make them, never into its database. A second start finds the
sandbox's people and chats and only repeats the admin API calls, which are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from sandbox.world import World

log = logging.getLogger(__name__)
USERS = (("Анна", "Петрова", "ru"), ("Иван", "Смирнов", "ru"), ("John", "Smith", "en"))
STAFF_NAMES = ("Ольга", "Дмитрий", "Мария", "Сергей", "Елена", "Алексей", "Наталья", "Павел", "Ирина", "Андрей",
               "Татьяна", "Михаил", "Светлана", "Николай", "Юлия", "Егор", "Вера", "Роман")


class AdminApi:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base.rstrip("/") + "/api/v1"

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, self.base + path, json=body) as resp:
            data = await resp.json(content_type=None)
            return resp.status, data


async def _wait_ready(api: AdminApi, seconds: float = 120.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            status, _ = await api.call("GET", "/groups")
            if status == 200:
                return
        except aiohttp.ClientError:
            pass
        if loop.time() > deadline:
            raise TimeoutError("the admin API did not answer")
        await asyncio.sleep(0.5)


def _people(world: World, groups: list[dict[str, Any]]) -> dict[str, Any]:
    """The demo's people and chats in the sandbox, made once (kept in the sandbox's own state)."""
    demo = world.store.get("meta", "demo")
    if demo is not None:
        return dict(demo)
    users = [world.create_user(first_name=f, last_name=last, language_code=lang)["id"] for f, last, lang in USERS]
    staff: dict[str, int] = {}
    chats: dict[str, int] = {}
    for i, g in enumerate(groups):
        name = STAFF_NAMES[i % len(STAFF_NAMES)]
        short = g["name"].split(" (")[0]
        staff[g["code"]] = world.create_user(first_name=name, last_name=f"· {short}", language_code="ru")["id"]
        chat = world.create_group(title=g["name"], member_ids=[staff[g["code"]]], forum=True, bot_admin=True)
        chats[g["code"]] = chat["id"]
    demo = {"users": users, "staff": staff, "chats": chats}
    world.store.put("meta", "demo", demo)
    return demo


async def _bind(api: AdminApi, paths: set[str], groups: list[dict[str, Any]], chats: dict[str, int]) -> None:
    """Binds each line chat through what the admin API offers: line-chat bindings, else the services' line_chats."""
    if "/api/v1/line-chats" in paths:
        for g in groups:
            status, data = await api.call("POST", "/line-chats", {"chat_id": chats[g["code"]], "group_code": g["code"],
                                                                "service_code": g["service_code"]})
            if status >= 300 and status != 409:
                log.warning("binding the chat of %s: %s %s", g["code"], status, data)
        return
    status, services = await api.call("GET", "/services")
    for s in services if status == 200 else []:
        mine = {g["code"]: chats[g["code"]] for g in groups if g["service_code"] in (None, s["code"])}
        status, data = await api.call("PATCH", f"/services/{s['code']}", {"line_chats": mine})
        if status >= 300:
            log.warning("binding the line chats of %s: %s %s", s["code"], status, data)


async def seed_demo(world: World, *, api_base: str, admin_token: str) -> dict[str, Any]:
    """Makes the demo (once) and registers its staff and chats with the product; returns the demo's ids."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=30)) as http:
        api = AdminApi(http, api_base)
        await _wait_ready(api)
        _, groups = await api.call("GET", "/groups")
        demo = _people(world, groups)
        _, staff = await api.call("GET", "/staff")
        known = {(s["user"]["tg_id"], s["line_code"]) for s in staff}
        for g in groups:
            tg_id = demo["staff"].get(g["code"])
            if tg_id is None or (tg_id, g["code"]) in known:
                continue
            user = world.user(tg_id)
            body = {"line_code": g["code"], "is_coordinator": True,
                    "user": {"tg_id": tg_id, "full_name": f"{user['first_name']} {user.get('last_name', '')}".strip()}}
            status, data = await api.call("POST", "/staff", body)
            if status >= 300 and status != 409:
                log.warning("staff of %s: %s %s", g["code"], status, data)
        async with http.get(api_base.rstrip("/") + "/openapi.json") as resp:
            paths = set((await resp.json()).get("paths", {})) if resp.status == 200 else set()
        await _bind(api, paths, [g for g in groups if g["code"] in demo["chats"]], demo["chats"])
    return demo

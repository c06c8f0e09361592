"""The control API of the web chat and the tests: create people and groups, write, attach, press, watch events."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from sandbox import people
from sandbox.rules import RATE_RULES, Refusal
from sandbox.world import World, public

Handler = Callable[[Request], Awaitable[Any]]
P = "/sandbox/api"


def chat_view(w: World, chat: dict[str, Any]) -> dict[str, Any]:
    """A chat as the page shows it: the Bot API fields and the sandbox's own (members, topics, keyboard, pins)."""
    sb = chat["_sb"]
    return {**public(chat), "members": {int(k): v for k, v in sb.get("members", {}).items()},
            "bot_status": sb.get("bot_status", "member"), "topics": list(sb.get("topics", {}).values()),
            "keyboard": sb.get("keyboard"), "pinned": sb.get("pinned", []), "migrated_to": sb.get("migrated_to"),
            "blocked": chat["type"] == "private" and bool(w.user(chat["id"])["_sb"].get("blocked"))}


def effective_menu(w: World, chat: dict[str, Any], user_id: int, lang: str) -> list[dict[str, Any]]:
    """The command menu a person sees, resolved through the scopes as Telegram does (narrowest first)."""
    private = chat["type"] == "private"
    admin = chat["_sb"].get("members", {}).get(str(user_id)) in ("creator", "administrator")
    scopes: list[dict[str, Any]] = []
    if private:
        scopes += [{"type": "chat", "chat_id": chat["id"]}, {"type": "all_private_chats"}]
    else:
        scopes.append({"type": "chat_member", "chat_id": chat["id"], "user_id": user_id})
        if admin:
            scopes.append({"type": "chat_administrators", "chat_id": chat["id"]})
        scopes.append({"type": "chat", "chat_id": chat["id"]})
        if admin:
            scopes.append({"type": "all_chat_administrators"})
        scopes.append({"type": "all_group_chats"})
    scopes.append({"type": "default"})
    for scope in scopes:
        for code in (lang, ""):
            found = w.store.get("commands", json.dumps(scope, sort_keys=True) + "|" + code)
            if found:
                return list(found)
    return []


def routes(w: World) -> list[Route]:
    def api(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                return JSONResponse({"ok": True, "result": await fn(request)})
            except Refusal as exc:
                return JSONResponse(exc.content(), status_code=exc.status)
            except (KeyError, ValueError, TypeError) as exc:
                return JSONResponse({"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"},
                                    status_code=400)
        return run

    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        data = json.loads(raw) if raw.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("a JSON object is expected")
        return data

    def cid(request: Request) -> int:
        return int(request.path_params["chat_id"])

    async def state(request: Request) -> Any:
        users = [{**public(u), "blocked": bool(u["_sb"].get("blocked"))} for u in w.store.all("user")]
        chats = [chat_view(w, c) for c in w.store.all("chat")]
        return {"bot": w.bot, "users": sorted(users, key=lambda u: u["id"]),
                "chats": sorted(chats, key=lambda c: (c["type"] != "private", c["id"] if c["id"] > 0 else -c["id"])),
                "rate_limits": bool(RATE_RULES & w.rules.active)}

    async def revision(request: Request) -> Any:
        return {"revision": w.revision, "pending_updates": len(w.store.all("update")),
                "polling": w.poll_generation, **w.webhook.stats()}

    async def create_user(request: Request) -> Any:
        b = await body(request)
        return w.create_user(first_name=str(b["first_name"]).strip() or "?", last_name=b.get("last_name"),
                             username=b.get("username"), language_code=str(b.get("language_code") or "ru"))

    async def block(request: Request) -> Any:
        b = await body(request)
        people.block(w, user_id=int(request.path_params["user_id"]), blocked=bool(b.get("blocked", True)))
        return True

    async def create_group(request: Request) -> Any:
        b = await body(request)
        chat = w.create_group(title=str(b["title"]), member_ids=[int(m) for m in b.get("member_ids", [])],
                              forum=bool(b.get("forum")), bot_admin=bool(b.get("bot_admin", True)))
        return chat_view(w, w.chat(chat["id"]))

    async def add_member(request: Request) -> Any:
        b = await body(request)
        w.add_member(cid(request), int(b["user_id"]))
        return chat_view(w, w.chat(cid(request)))

    async def bot_status(request: Request) -> Any:
        b = await body(request)
        w.set_bot_status(cid(request), status=str(b["status"]), actor=w.user(int(b["actor_id"])))
        return chat_view(w, w.chat(cid(request)))

    async def migrate(request: Request) -> Any:
        return chat_view(w, w.migrate(cid(request)))

    async def topic(request: Request) -> Any:
        b = await body(request)
        return people.open_topic(w, chat_id=cid(request), from_id=int(b["from_id"]), name=str(b["name"]))

    async def delete_topic(request: Request) -> Any:
        b = await body(request)
        people.remove_topic(w, chat_id=cid(request), from_id=int(b["from_id"]),
                                    thread_id=int(request.path_params["thread_id"]))
        return True

    async def messages(request: Request) -> Any:
        w.chat(cid(request))
        found = w.messages(cid(request))
        last = int(request.query_params.get("last", 0))  # only the newest ones (a load driver reads thousands)
        return [public(m) for m in (found[-last:] if last > 0 else found)]

    async def say(request: Request) -> Any:
        b = await body(request)
        return people.say(w, chat_id=cid(request), from_id=int(b["from_id"]), text=str(b.get("text", "")),
                          thread_id=b.get("thread_id"), reply_to=b.get("reply_to"))

    async def edit(request: Request) -> Any:
        b = await body(request)
        return people.edit(w, chat_id=cid(request), message_id=int(request.path_params["message_id"]),
                           from_id=int(b["from_id"]), text=str(b.get("text", "")))

    async def upload(request: Request) -> Any:
        form = await request.form(max_part_size=64 * 1024 * 1024)
        up = form.get("file")
        if not isinstance(up, UploadFile):
            raise ValueError("a file is expected in the field `file`")
        thread = form.get("thread_id")
        return people.attach(w, chat_id=cid(request), from_id=int(str(form["from_id"])), data=await up.read(),
                             name=up.filename or "file", mime=up.content_type, caption=str(form.get("caption") or ""),
                             as_photo=str(form.get("as_photo", "")).lower() in ("1", "true", "on"),
                             thread_id=int(str(thread)) if thread else None)

    async def press(request: Request) -> Any:
        b = await body(request)
        qid = people.press(w, chat_id=cid(request), message_id=int(b["message_id"]), from_id=int(b["from_id"]),
                           data=str(b["data"]))
        return {"query_id": qid}

    async def callback(request: Request) -> Any:
        qid = request.path_params["query_id"]
        wait = min(30.0, float(request.query_params.get("wait", 0)))
        if qid not in w.callbacks:
            raise Refusal(404, "Not Found: no such callback query")
        if w.callbacks[qid]["answer"] is None and wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(w.answered(qid).wait(), wait)
        return w.callbacks[qid]

    async def menu(request: Request) -> Any:
        chat = w.chat(cid(request))
        uid = int(request.query_params.get("user_id", chat["id"]))
        lang = request.query_params.get("lang") or (w.user(uid).get("language_code") or "")
        return effective_menu(w, chat, uid, lang)

    async def settings(request: Request) -> Any:
        b = await body(request)
        if "rate_limits" in b:
            if b["rate_limits"]:
                w.rules.active |= RATE_RULES
            else:
                w.rules.active -= RATE_RULES
        if "webhook_duplicate_every" in b:  # every Nth delivered update is posted twice (0: never)
            w.webhook.duplicate_every = max(0, int(b["webhook_duplicate_every"]))
        return {"rate_limits": bool(RATE_RULES & w.rules.active), "webhook_duplicate_every": w.webhook.duplicate_every}

    async def file(request: Request) -> Response:
        doc = w.store.get("file", request.path_params["file_id"])
        if doc is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)
        inline = doc["mime"].startswith("image/")
        return FileResponse(w.files_dir / doc["file_unique_id"], media_type=doc["mime"],
                            filename=None if inline else doc["name"])

    async def events(request: Request) -> Response:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        w.listeners.add(queue)

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 1000\n\n"
                while True:
                    try:
                        event = await asyncio.wait_for(queue.get(), 15)
                    except TimeoutError:
                        yield ": ping\n\n"  # keeps proxies and the browser from closing an idle stream
                        continue
                    yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
            finally:
                w.listeners.discard(queue)
        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    return [
        Route(f"{P}/state", api(state)),
        Route(f"{P}/revision", api(revision)),
        Route(f"{P}/users", api(create_user), methods=["POST"]),
        Route(f"{P}/users/{{user_id:int}}/block", api(block), methods=["POST"]),
        Route(f"{P}/groups", api(create_group), methods=["POST"]),
        Route(f"{P}/chats/{{chat_id}}/members", api(add_member), methods=["POST"]),
        Route(f"{P}/chats/{{chat_id}}/bot", api(bot_status), methods=["POST"]),
        Route(f"{P}/chats/{{chat_id}}/migrate", api(migrate), methods=["POST"]),
        Route(f"{P}/chats/{{chat_id}}/topics", api(topic), methods=["POST"]),
        Route(f"{P}/chats/{{chat_id}}/topics/{{thread_id:int}}/delete", api(delete_topic), methods=["POST"]),
        Route(f"{P}/chats/{{chat_id}}/messages", api(messages), methods=["GET"]),
        Route(f"{P}/chats/{{chat_id}}/messages", api(say), methods=["POST"]),
        Route(f"{P}/chats/{{chat_id}}/messages/{{message_id:int}}/edit", api(edit), methods=["POST"]),
        Route(f"{P}/chats/{{chat_id}}/files", api(upload), methods=["POST"]),
        Route(f"{P}/chats/{{chat_id}}/press", api(press), methods=["POST"]),
        Route(f"{P}/chats/{{chat_id}}/menu", api(menu)),
        Route(f"{P}/callbacks/{{query_id}}", api(callback)),
        Route(f"{P}/settings", api(settings), methods=["POST"]),
        Route("/sandbox/files/{file_id}", file),
        Route("/sandbox/events", events),
    ]

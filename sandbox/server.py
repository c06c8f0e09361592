"""The sandbox's HTTP app: the Bot API at /bot<token>/<method>, files, the control API, the web chat."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sandbox import control, files
from sandbox.botapi import METHODS
from sandbox.rules import Refusal
from sandbox.store import Store
from sandbox.world import World

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
# parameters that carry JSON when they come as form fields (aiogram sends them so)
JSON_FIELDS = frozenset({"reply_markup", "commands", "scope", "media", "entities", "caption_entities",
                         "reply_parameters", "link_preview_options", "allowed_updates"})
INT_FIELDS = frozenset({"chat_id", "from_chat_id", "message_id", "message_thread_id", "offset", "limit", "timeout",
                        "user_id", "reply_to_message_id", "icon_color", "cache_time"})


@dataclass(frozen=True)
class SandboxConfig:
    token: str
    data_dir: Path = Path("data")
    rate_limits: bool = True
    webhook_over_http: bool = False  # https:// webhook URLs posted over plain HTTP (a TLS proxy on loopback)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "sandbox.sqlite3"


def new_token() -> str:
    """A token shaped like BotFather's: the bot's id, a colon, 35 random characters."""
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(26)}"


def stored_token(data_dir: Path) -> str | None:
    """The token the sandbox in `data_dir` was last started with (a restart keeps the bot and its chats)."""
    db = data_dir / "sandbox.sqlite3"
    if not db.exists():
        return None
    store = Store(db)
    try:
        token = store.get("meta", "token")
        return str(token) if token else None
    finally:
        store.close()


def _decode(key: str, value: Any) -> Any:
    if isinstance(value, str) and key in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise Refusal(400, f"Bad Request: can't parse {key} JSON object") from None
    if isinstance(value, str) and key in INT_FIELDS and value.lstrip("-").isdigit():
        return int(value)
    return value


async def read_params(request: Request) -> tuple[dict[str, Any], dict[str, UploadFile]]:
    """The call's parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query_params)
    uploads: dict[str, UploadFile] = {}
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        body = await request.body()
        data = json.loads(body) if body.strip() else {}
        if not isinstance(data, dict):
            raise Refusal(400, "Bad Request: request body must be a JSON object")
        params.update(data)
    elif ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form(max_part_size=16 * 1024 * 1024)
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                uploads[key] = value
            else:
                params[key] = value
    return {k: _decode(k, v) for k, v in params.items()}, uploads


def create_app(config: SandboxConfig) -> Starlette:
    """The whole sandbox as one ASGI app; its state is opened here and closed on shutdown."""
    store = Store(config.db_path)
    store.put("meta", "token", config.token)
    world = World(store, token=config.token, files_dir=config.data_dir / "sandbox-files",
                  rate_limits=config.rate_limits, webhook_over_http=config.webhook_over_http)

    async def bot_api(request: Request) -> Response:
        if request.path_params["token"] != world.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        fn = METHODS.get(request.path_params["method"].lower())
        if fn is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)
        try:
            params, uploads = await read_params(request)
            result = await fn(world, params, uploads)
        except Refusal as exc:
            log.info("%s refused: %s", request.path_params["method"], exc.description)
            return JSONResponse(exc.content(), status_code=exc.status)
        return JSONResponse({"ok": True, "result": result})

    async def download(request: Request) -> Response:
        if request.path_params["token"] != world.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        found = files.path_of(world, request.path_params["path"])
        if found is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)
        path, doc = found
        return FileResponse(path, media_type=doc["mime"], filename=doc["name"])

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    routes = [
        Route("/bot{token}/{method}", bot_api, methods=["GET", "POST"]),
        Route("/file/bot{token}/{path:path}", download, methods=["GET"]),
        *control.routes(world),
        Route("/", index),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        world.webhook.start()  # a webhook set before a restart is delivered to again
        try:
            yield
        finally:
            await world.webhook.stop()
            store.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.world = world
    return app

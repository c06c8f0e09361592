"""Pure ASGI guards in front of the admin API: a request id and a JSON 500 for anything unhandled, the bearer
token checked before a single body byte is read, and per-route caps on the body size.

FastAPI reads and parses a body before any dependency runs, so a token check in a dependency comes after the
memory is spent; these run before the app pulls anything from `receive`.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin_api.errors import error_body
from core.db import database_unavailable

log = logging.getLogger("admin_api")
PROTECTED_PREFIX = "/api/"
REQUEST_ID = "x-request-id"
DB_DOWN_LOG_EVERY = 60.0  # seconds between two log lines about an unreachable database


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body streams past its cap; rendered as the 413 error shape."""

    code = "too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")
        self.limit = limit


async def send_error(send: Send, status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> None:
    """Answers with the JSON error shape (ASGI level: no Request, no body read)."""
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    head += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw})


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


class CatchAll:
    """Outermost: gives every response an X-Request-ID and turns any unhandled error into a JSON 500.

    The details go to the log under that id; the client learns only the id."""

    def __init__(self, app: ASGIApp, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.clock = clock
        self._db_logged_at: float | None = None
        self._db_suppressed = 0

    def _db_down(self, exc: Exception, rid: str) -> None:
        # a database that is down fails every request: one line a minute, not a traceback per request
        now = self.clock()
        if self._db_logged_at is not None and now - self._db_logged_at < DB_DOWN_LOG_EVERY:
            self._db_suppressed += 1
            return
        log.error("database unavailable: %s: %s (request_id=%s; %d more such answers since the last line)",
                  type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "", rid, self._db_suppressed)
        self._db_logged_at, self._db_suppressed = now, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex[:16]
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), (REQUEST_ID.encode(), rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BodyTooLarge as exc:
            if not started:
                await send_error(send_with_id, 413, error_body(exc.code, str(exc.detail), limit=exc.limit))
        except Exception as exc:
            if database_unavailable(exc):
                self._db_down(exc, rid)
                if not started:
                    await send_error(send_with_id, 503, error_body(
                        "database_unavailable", "База данных сейчас недоступна, повторите запрос через несколько "
                        "секунд / the database is unavailable, retry in a few seconds", request_id=rid),
                        {"Retry-After": "5"})
                return
            log.exception("unhandled error in %s %s (request_id=%s)", scope.get("method"), scope.get("path"), rid)
            if not started:
                await send_error(send_with_id, 500, error_body("internal_error", "internal error; the log has "
                                                                "the details under this request id",
                                                                request_id=rid))


class BodyGuard:
    """Refuses a request without the admin token (401) or with a body over its route's cap (413) up front,
    and stops a body without Content-Length (chunked) as soon as the bytes pulled pass the cap."""

    def __init__(self, app: ASGIApp, *, token: str, default_limit: int, limits: Mapping[str, int]) -> None:
        self.app = app
        self._token = token.encode()
        self._default = default_limit
        # the longest prefix wins, so a route can have a cap larger or smaller than its router's
        self._limits = sorted(limits.items(), key=lambda kv: len(kv[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        """The body cap of the route at this path."""
        return next((limit for prefix, limit in self._limits if path.startswith(prefix)), self._default)

    def _authorized(self, scope: Scope) -> bool:
        scheme, _, given = _header(scope, b"authorization").partition(" ")
        if scheme.lower() != "bearer":
            given = ""
        return secrets.compare_digest(given.strip().encode(), self._token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith(PROTECTED_PREFIX) and not self._authorized(scope):
            await send_error(send, 401, error_body("unauthorized", "missing or wrong bearer token"),
                             {"WWW-Authenticate": "Bearer"})
            return
        limit = self.limit_for(path)
        declared = _header(scope, b"content-length")
        if declared and (not declared.isdigit() or int(declared) > limit):
            if declared.isdigit():
                await send_error(send, 413, error_body("too_large", f"request body over {limit} bytes", limit=limit))
            else:
                await send_error(send, 400, error_body("bad_request", "Content-Length is not a number"))
            return
        pulled = 0

        async def capped() -> Message:
            nonlocal pulled
            message = await receive()
            if message["type"] == "http.request":
                pulled += len(message.get("body", b""))
                if pulled > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, capped, send)

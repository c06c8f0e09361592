"""Webhook delivery as Telegram does it: setWebhook / deleteWebhook / getWebhookInfo, and a task that POSTs each
pending update to the URL with the secret token header, retries what was not answered 2xx, keeps a chat's
updates in order, and (a test knob) delivers some updates twice, as Telegram does when it missed an answer.

One deviation, for loopback: with `over_http` (the sandbox's `--webhook-over-http`) an https:// URL on any port
is delivered over plain HTTP, as to a reverse proxy that terminates TLS; Telegram itself wants HTTPS on
port 443, 80, 88 or 8443.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp

from sandbox.rules import Refusal
from sandbox.store import Store

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
PORTS = (443, 80, 88, 8443)
RETRY_FIRST, RETRY_CAP = 0.5, 8.0  # seconds; Telegram waits longer, a sandbox test should not
TIMEOUT = 30.0
ACTIVE = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to: its updates are delivered one after another, in order."""
    for kind in ("message", "edited_message", "my_chat_member", "chat_member"):
        if kind in update:
            return int(update[kind]["chat"]["id"])
    if "callback_query" in update:
        msg = update["callback_query"].get("message")
        return int(msg["chat"]["id"]) if msg else int(update["callback_query"]["from"]["id"])
    return None


class World(Protocol):
    """What the delivery needs of the sandbox's world (which owns it: no import of it here)."""

    store: Store

    async def wait_updates(self, seconds: float) -> None: ...

    def poke_updates(self) -> None: ...


class WebhookDelivery:
    """The webhook's settings (kept in the store, so a restart goes on delivering) and its delivery task."""

    def __init__(self, world: World, *, over_http: bool = False) -> None:
        self.w, self.over_http = world, over_http
        self.duplicate_every = 0  # every Nth delivered update is posted a second time (0: never)
        self.delivered = self.duplicates = self.failures = 0
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[int] = set()
        self._retry_at: dict[int, tuple[float, float]] = {}  # update_id -> (when, current delay)

    @property
    def config(self) -> dict[str, Any] | None:
        found = self.w.store.get("meta", "webhook")
        return dict(found) if found else None

    # --- the Bot API methods ------------------------------------------------------------------------------
    def set(self, p: dict[str, Any]) -> bool:
        url = str(p.get("url") or "")
        if not url:
            self.delete(drop_pending=_bool(p.get("drop_pending_updates")))
            return True
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise Refusal(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if not self.over_http and (parts.port or 443) not in PORTS:
            raise Refusal(400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = p.get("secret_token")
        if secret is not None and not SECRET_RE.fullmatch(str(secret)):
            raise Refusal(400, "Bad Request: secret token contains unallowed characters")
        try:
            max_conn = int(p.get("max_connections") or 40)
        except (TypeError, ValueError):
            raise Refusal(400, "Bad Request: invalid max_connections specified") from None
        if not 1 <= max_conn <= 100:
            raise Refusal(400, "Bad Request: invalid max_connections specified")
        allowed = p.get("allowed_updates")
        if _bool(p.get("drop_pending_updates")):
            self._drop_pending()
        old = self.config or {}
        self.w.store.put("meta", "webhook", {
            "url": url, "secret_token": None if secret is None else str(secret), "max_connections": max_conn,
            "allowed_updates": list(allowed) if isinstance(allowed, list) else old.get("allowed_updates"),
            "last_error_date": None, "last_error_message": None})
        self.start()
        return True

    def delete(self, *, drop_pending: bool) -> bool:
        self.w.store.delete("meta", "webhook")
        if drop_pending:
            self._drop_pending()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        return True

    def info(self) -> dict[str, Any]:
        cfg = self.config
        pending = len(self.w.store.all("update"))
        if cfg is None:
            return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
        out: dict[str, Any] = {"url": cfg["url"], "has_custom_certificate": False, "pending_update_count": pending,
                               "max_connections": cfg["max_connections"]}
        if cfg.get("allowed_updates"):
            out["allowed_updates"] = cfg["allowed_updates"]
        if cfg.get("last_error_date"):
            out["last_error_date"], out["last_error_message"] = cfg["last_error_date"], cfg["last_error_message"]
        return out

    def check_polling(self) -> None:
        if self.config is not None:
            raise Refusal(409, ACTIVE)

    def stats(self) -> dict[str, int]:
        return {"webhook_delivered": self.delivered, "webhook_duplicates": self.duplicates,
                "webhook_failures": self.failures, "webhook_duplicate_every": self.duplicate_every}

    # --- delivery -----------------------------------------------------------------------------------------
    def start(self) -> None:
        """Starts the delivery task if a webhook is set (called in the running loop)."""
        if self.config is not None and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _drop_pending(self) -> None:
        for u in self.w.store.all("update"):
            self.w.store.delete("update", u["update_id"])

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
            tasks: set[asyncio.Task[None]] = set()
            try:
                while (cfg := self.config) is not None:
                    for update in self._due(cfg):
                        self._inflight.add(update["update_id"])
                        t = asyncio.create_task(self._deliver(http, cfg, update))
                        tasks.add(t)
                        t.add_done_callback(tasks.discard)
                    # a finished delivery and a new update wake the loop; a retry wakes it when it falls due
                    soonest = min((at for at, _ in self._retry_at.values()), default=None)
                    wait = 1.0 if soonest is None else max(0.01, min(1.0, soonest - time.monotonic()))
                    await self.w.wait_updates(wait)
            finally:
                for t in tasks:
                    t.cancel()

    def _due(self, cfg: dict[str, Any]) -> list[dict[str, Any]]:
        """Pending updates to post now: a chat's oldest only, none already in flight, within max_connections."""
        allowed = cfg.get("allowed_updates") or None
        room = cfg["max_connections"] - len(self._inflight)
        busy: set[int | None] = set()
        now, due = time.monotonic(), []
        for u in sorted(self.w.store.all("update"), key=lambda u: u["update_id"]):
            if allowed and not any(k in u for k in allowed):
                self.w.store.delete("update", u["update_id"])  # Telegram never sends an update not asked for
                continue
            chat = chat_of(u)
            blocked = chat is not None and chat in busy
            if chat is not None:
                busy.add(chat)
            if blocked or u["update_id"] in self._inflight:
                continue
            if self._retry_at.get(u["update_id"], (0.0, 0.0))[0] > now:
                continue
            if room <= 0:
                break
            due.append(u)
            room -= 1
        return due

    async def _post(self, http: aiohttp.ClientSession, cfg: dict[str, Any], update: dict[str, Any]) -> str | None:
        """Posts once; None when answered 2xx, else the error as getWebhookInfo words it."""
        url = cfg["url"].replace("https://", "http://", 1) if self.over_http else cfg["url"]
        headers = {SECRET_HEADER: cfg["secret_token"]} if cfg.get("secret_token") else {}
        try:
            async with http.post(url, json=update, headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason or ''}".strip()
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectionError as exc:
            return "Connection refused" if "refused" in str(exc).lower() else f"Connection error: {exc}"

    async def _deliver(self, http: aiohttp.ClientSession, cfg: dict[str, Any], update: dict[str, Any]) -> None:
        uid = update["update_id"]
        try:
            error = await self._post(http, cfg, update)
            if error is None:
                self.delivered += 1
                self._retry_at.pop(uid, None)
                self.w.store.delete("update", uid)
                if self.duplicate_every and self.delivered % self.duplicate_every == 0:
                    self.duplicates += 1  # the answer "was lost": the same update comes again
                    await self._post(http, cfg, update)
                return
            self.failures += 1
            delay = min(RETRY_CAP, self._retry_at.get(uid, (0.0, RETRY_FIRST / 2))[1] * 2)
            self._retry_at[uid] = (time.monotonic() + delay, delay)
            current = self.config
            if current is not None:
                current.update(last_error_date=int(time.time()), last_error_message=error)
                self.w.store.put("meta", "webhook", current)
            log.info("webhook delivery of update %s failed (%s): retried in %.1f s", uid, error, delay)
        finally:
            self._inflight.discard(uid)
            self.w.poke_updates()


def _bool(v: Any) -> bool:
    return v is True or str(v).lower() in ("true", "1")

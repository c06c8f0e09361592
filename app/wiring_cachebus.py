"""Wiring of the cache bus (REDIS_URL only): every process's in-process caches drop what another one changed."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.root import Root


def wire(root: Root) -> None:
    """Starts the bus at startup when REDIS_URL is set; without it the caches keep their TTLs alone."""
    if root.settings.redis_url:
        root.startup_hooks.append(_start)


def channel_for(database_url: str) -> str:
    """One channel per database: processes of another deployment on the same Redis are not disturbed."""
    return "support-bot:cache:" + hashlib.sha256(database_url.encode()).hexdigest()[:16]


async def _start(root: Root) -> None:
    # imported for their session hooks: an admin-API-only process must publish its changes of users and services
    import bot.middlewares.user_cache  # noqa: F401
    import handlers.services  # noqa: F401
    from core.cachebus import CacheBus

    assert root.settings.redis_url is not None
    bus = CacheBus.from_url(root.settings.redis_url, channel=channel_for(root.settings.database_url))
    bus.start()
    root.closers.append(bus.stop)

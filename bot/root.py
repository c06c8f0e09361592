"""The one composition root: settings, engine, unit of work, scheduler, API, bot and dispatcher."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import migrate
from core.catalog.seed import seed_catalog
from core.db import make_engine, make_session_factory
from core.settings import Settings
from core.uow import UowFactory

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.base import BaseSession
    from fastapi import FastAPI

log = logging.getLogger(__name__)


@dataclass
class Root:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    uow: UowFactory
    tz: ZoneInfo
    scheduler: AsyncIOScheduler
    api: FastAPI | None = None
    bot: Bot | None = None
    dp: Dispatcher | None = None
    kb: Any = None  # the knowledge base with its in-memory search index (kb.service)
    extras: dict[str, Any] = field(default_factory=dict)

    async def startup(self) -> None:
        """Applies migrations and seeds reference data; idempotent."""
        await migrate.upgrade(self.engine)
        await seed_catalog(uow=self.uow())
        for hook in self.extras.get("startup_hooks", []):
            await hook(self)

    def start_jobs(self) -> None:
        """Starts the scheduler with every periodic job (one process runs them)."""
        for register in self.extras.get("job_registrars", []):
            register(self)
        self.scheduler.start()

    async def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.bot is not None:
            await self.bot.session.close()
        await self.engine.dispose()


def build_root(settings: Settings, *, with_bot: bool = True, with_api: bool = True,
               bot_session: BaseSession | None = None) -> Root:
    """Builds everything from settings; nothing runs until startup()/start_jobs()."""
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    tz = ZoneInfo(settings.timezone)
    root = Root(settings=settings, engine=engine, session_factory=session_factory,
                uow=UowFactory(session_factory), tz=tz, scheduler=AsyncIOScheduler(timezone=tz),
                extras={"startup_hooks": [], "job_registrars": []})
    from bot import wiring

    wiring.wire_domain(root)
    if with_api:
        from admin_api.app import create_app

        root.api = create_app(root)
    if with_bot and (settings.bot_token is not None or bot_session is not None):
        wiring.wire_bot(root, bot_session=bot_session)
    return root

"""The one composition root: settings, engine, unit of work, scheduler, API, bot and dispatcher.

Every part plugs in through a typed field (startup hooks, jobs, delivery planners, routers, the outages
provider) from its `app.wiring_*` module; neither bot/ nor admin_api/ import this package.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import migrate
from core.catalog.seed import seed_catalog
from core.db import make_engine, make_read_engine, make_session_factory
from core.mail.adapters import LogMailer
from core.mail.port import Mailer
from core.settings import Settings
from core.staffdesk.port import TelegramLink
from core.uow import UowFactory
from kb.search.meaning import load_embedder
from kb.service import KnowledgeBase

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher, Router
    from aiogram.client.session.base import BaseSession
    from aiogram.utils.i18n import I18n
    from fastapi import FastAPI

    from bot.broadcast import BroadcastSender
    from bot.delivery import DeliveryContext, Planner
    from bot.middlewares.throttle import ThrottlingMiddleware
    from bot.middlewares.user_cache import UserCache
    from handlers.menu import OutagesProvider

log = logging.getLogger(__name__)

StartupHook = Callable[["Root"], Awaitable[None]]  # run once by startup(), after migrations and seeding
JobRegistrar = Callable[["Root"], None]  # adds this part's periodic jobs to root.scheduler


@dataclass
class Root:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    uow: UowFactory
    tz: ZoneInfo
    scheduler: AsyncIOScheduler
    kb: KnowledgeBase  # the knowledge base with its in-memory search index (empty until app.wiring_kb's startup hook)
    read_engine: AsyncEngine | None = None  # SQLite's reader pool (core.db.make_read_engine); None on PostgreSQL
    api: FastAPI | None = None
    bot: Bot | None = None
    dp: Dispatcher | None = None
    # what the parts register (before wire_bot for routers and the outages provider, which the dispatcher takes)
    startup_hooks: list[StartupHook] = field(default_factory=list)
    jobs: list[JobRegistrar] = field(default_factory=list)
    delivery_planners: list[Planner] = field(default_factory=list)
    routers: list[Router] = field(default_factory=list)
    # private-chat routers tried before the user dialogs (staff commands: a staff member's /my is their work)
    private_routers: list[Router] = field(default_factory=list)
    outages_provider: OutagesProvider | None = None
    # the bot's side of the staff desk the admin API uses (invitation links, chat checks); filled by wiring_staff
    telegram: TelegramLink = field(default_factory=TelegramLink)
    # the e-mail channel (verification codes, notices to requesters without Telegram); set by app.wiring_mail
    mailer: Mailer = field(default_factory=LogMailer)
    # set with the bot (app.wiring.wire_bot); None without one
    delivery: DeliveryContext | None = None
    broadcasts: BroadcastSender | None = None  # made by app.wiring_broadcasts with the delivery's limiter
    user_router: Router | None = None
    i18n: I18n | None = None
    throttle: ThrottlingMiddleware | None = None
    user_cache: UserCache | None = None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)  # connections closed at shutdown

    async def startup(self) -> None:
        """Applies migrations and seeds reference data; idempotent."""
        async with migrate.startup_lock(self.engine):
            await migrate.upgrade(self.engine)
            await seed_catalog(uow=self.uow())
        for hook in self.startup_hooks:
            await hook(self)

    def start_jobs(self) -> None:
        """Starts the scheduler with every periodic job (one process runs them)."""
        for register in self.jobs:
            register(self)
        if self.settings.log_job_runs:
            self.scheduler.add_listener(_log_job_run, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self.scheduler.start()

    async def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.bot is not None:
            await self.bot.session.close()
        for close in self.closers:
            await close()
        await self.engine.dispose()
        if self.read_engine is not None:
            await self.read_engine.dispose()


def _log_job_run(event: JobExecutionEvent) -> None:
    log.info("job run: %s scheduled %s", event.job_id, event.scheduled_run_time.isoformat())


def build_root(settings: Settings, *, with_bot: bool = True, with_api: bool = True,
               bot_session: BaseSession | None = None) -> Root:
    """Builds everything from settings; nothing runs until startup()/start_jobs()."""
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_max_overflow, pre_ping=settings.db_pool_pre_ping)
    session_factory = make_session_factory(engine)
    read_engine = make_read_engine(settings.database_url)
    read_factory = make_session_factory(read_engine) if read_engine is not None else None
    tz = ZoneInfo(settings.timezone)
    root = Root(settings=settings, engine=engine, session_factory=session_factory, read_engine=read_engine,
                uow=UowFactory(session_factory, read_factory), tz=tz, scheduler=AsyncIOScheduler(timezone=tz),
                kb=KnowledgeBase(threshold=settings.kb_threshold,
                               embedder=load_embedder(enabled=settings.kb_meaning)))
    from app import wiring

    wiring.wire_domain(root)
    if with_api:
        wiring.wire_api(root)
    if with_bot and (settings.bot_token is not None or bot_session is not None):
        wiring.wire_bot(root, bot_session=bot_session)
    return root

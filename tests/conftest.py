"""Shared fixtures: one database per run (SQLite file, or TEST_DATABASE_URL), emptied after each test."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from app.root import Root, build_root
from core.db import Base, import_all_models, make_engine
from core.settings import Settings
from tests.smtp_server import LocalSmtp

ADMIN_TOKEN = "test-admin-token-0123456789"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        asyncio.run(_reset_postgres(url))
        yield url
        asyncio.run(_reset_postgres(url))
        return
    path: Path = tmp_path_factory.mktemp("db") / "test.db"
    yield f"sqlite+aiosqlite:///{path}"


async def _reset_postgres(url: str) -> None:
    await _create_database_if_missing(url)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _create_database_if_missing(url: str) -> None:
    """A fresh PostgreSQL has no `test` database: create it through the server's maintenance database."""
    target = make_url(url)
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    try:
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")  # CREATE DATABASE refuses transactions
            exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await admin.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, admin_api_token=ADMIN_TOKEN, bot_token=None, kb_seed_sample=False,
                    _env_file=None)


async def _empty(root: Root) -> None:
    import_all_models()
    async with root.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())


@pytest.fixture
async def root(settings: Settings) -> AsyncIterator[Root]:
    r = build_root(settings, with_bot=False)
    await r.startup()
    try:
        yield r
    finally:
        await _empty(r)
        await r.shutdown()


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtp]:
    """A real SMTP server on a free local port; `received` has every mail it took."""
    server = LocalSmtp()
    server.start()
    try:
        yield server
    finally:
        server.stop()

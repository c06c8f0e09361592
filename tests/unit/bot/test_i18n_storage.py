"""Catalog compilation for a fresh clone, and the storage choice."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.utils.i18n import I18n

from bot.middlewares import i18n as i18n_module
from bot.middlewares.i18n import compile_catalogs, make_i18n
from bot.storage import SqlStorage, make_storage

PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Мои обращения"
msgstr "My requests"
'''


def test_po_is_compiled_when_mo_is_missing_or_stale(tmp_path: Path) -> None:
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")
    assert compile_catalogs(tmp_path) == [po.with_suffix(".mo")]
    assert compile_catalogs(tmp_path) == []  # up to date
    i18n = make_i18n(tmp_path)
    assert i18n.gettext("Мои обращения", locale="en") == "My requests"
    assert i18n.gettext("Мои обращения", locale="ru") == "Мои обращения"
    po.write_text(PO.replace("My requests", "My tickets"), encoding="utf-8")
    mo = po.with_suffix(".mo")
    os.utime(mo, (mo.stat().st_atime, po.stat().st_mtime - 10))
    assert make_i18n(tmp_path).gettext("Мои обращения", locale="en") == "My tickets"


def test_missing_locales_folder_means_russian_ids(tmp_path: Path) -> None:
    i18n = make_i18n(tmp_path / "nowhere")
    assert i18n.gettext("Помощь", locale="en") == "Помощь"
    assert type(i18n) is I18n  # the class aiogram's gettext() looks up, not a subclass with its own context


def test_uncompilable_catalog_means_russian_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")

    def read_only(path: Path) -> list[Path]:
        raise PermissionError(path)

    monkeypatch.setattr(i18n_module, "compile_catalogs", read_only)
    i18n = make_i18n(tmp_path)  # aiogram refuses a .po without .mo; the bot starts in Russian instead
    assert i18n.available_locales == () and i18n.gettext("Мои обращения", locale="en") == "Мои обращения"
    assert type(i18n) is I18n


def test_storage_choice() -> None:
    storage, isolation = make_storage(redis_url="redis://localhost:6379/0", session_factory=None)  # type: ignore[arg-type]
    assert isinstance(storage, RedisStorage) and isinstance(isolation, RedisEventIsolation)
    assert isolation.lock_kwargs == {"timeout": 30.0}  # a killed holder's chat waits the lease, not aiogram's 60 s
    storage2, _ = make_storage(redis_url=None, session_factory=None)  # type: ignore[arg-type]
    assert isinstance(storage2, SqlStorage)


async def test_more_updates_at_once_than_redis_connections_wait_for_one_instead_of_failing() -> None:
    # bench/scale.py: redis-py's default pool raised «Too many connections» past 100 updates in flight
    from aiogram.fsm.storage.base import StorageKey

    storage, _ = make_storage(redis_url="redis://127.0.0.1:6379/15", session_factory=None,  # type: ignore[arg-type]
                              redis_connections=2)
    keys = [StorageKey(bot_id=1, chat_id=900_000 + i, user_id=900_000 + i) for i in range(30)]
    try:
        await asyncio.gather(*(storage.set_data(k, {"n": i}) for i, k in enumerate(keys)))
        assert [await storage.get_data(k) for k in keys] == [{"n": i} for i in range(30)]
    finally:
        for k in keys:
            await storage.set_data(k, {})
        await storage.close()


async def test_the_end_of_a_step_is_one_redis_transaction() -> None:
    # bench/scale.py: a SIGKILL between the data's and the state's write left «summary» with no answers
    from aiogram.fsm.storage.base import StorageKey

    storage, _ = make_storage(redis_url="redis://127.0.0.1:6379/15", session_factory=None)  # type: ignore[arg-type]
    key = StorageKey(bot_id=1, chat_id=910_001, user_id=910_001)
    both = getattr(storage, "set_state_and_data", None)
    assert both is not None  # handlers/fsm_cache.py flushes a step through it when it exists
    sent: list[list[object]] = []
    real = storage.redis.pipeline  # type: ignore[attr-defined]

    def spy(*args: object, **kw: object) -> object:
        pipe = real(*args, **kw)
        sent.append(pipe.command_stack)
        return pipe

    storage.redis.pipeline = spy  # type: ignore[attr-defined]
    try:
        await both(key, "ReportSG:summary", {"vals": {"q": "?"}})
        assert await storage.get_state(key) == "ReportSG:summary"
        assert await storage.get_data(key) == {"vals": {"q": "?"}}
        await both(key, None, {})
        assert await storage.get_state(key) is None and await storage.get_data(key) == {}
        assert len(sent) == 2  # each write of both went through one MULTI/EXEC pipeline
    finally:
        await storage.close()

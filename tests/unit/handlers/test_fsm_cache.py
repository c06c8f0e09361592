from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from bot.states import ReportSG
from handlers.fsm_cache import CachedContext

KEY = StorageKey(bot_id=1, chat_id=2, user_id=2)


class CountingStorage(MemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.ops: list[str] = []

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        self.ops.append("get_data")
        return await super().get_data(key)

    async def set_data(self, key: StorageKey, data: Any) -> None:
        self.ops.append("set_data")
        await super().set_data(key, data)

    async def set_state(self, key: StorageKey, state: Any = None) -> None:
        self.ops.append("set_state")
        await super().set_state(key, state)


async def test_one_read_and_one_write_per_kind() -> None:
    storage = CountingStorage()
    await storage.set_data(KEY, {"idx": 0})
    storage.ops.clear()
    ctx = CachedContext(FSMContext(storage, KEY), raw_state=None)
    for i in range(1, 4):
        await ctx.update_data(idx=i)
    await ctx.set_state(ReportSG.field)
    await ctx.set_state(ReportSG.field)
    assert (await ctx.get_data())["idx"] == 3 and await ctx.get_state() == ReportSG.field.state
    assert storage.ops == ["get_data"]  # nothing written before the handler finished
    await ctx.flush()
    assert storage.ops == ["get_data", "set_data", "set_state"]
    assert await storage.get_data(KEY) == {"idx": 3} and await storage.get_state(KEY) == ReportSG.field.state


class OneWriteStorage(CountingStorage):
    async def set_state_and_data(self, key: StorageKey, state: Any, data: Any) -> None:
        self.ops.append("set_state_and_data")
        await MemoryStorage.set_data(self, key, data)
        await MemoryStorage.set_state(self, key, state)


async def test_state_and_data_changed_together_are_one_write_when_the_storage_can() -> None:
    storage = OneWriteStorage()
    ctx = CachedContext(FSMContext(storage, KEY), raw_state=None)
    await ctx.update_data(idx=1)
    await ctx.set_state(ReportSG.field)
    await ctx.flush()
    assert storage.ops == ["get_data", "set_state_and_data"]
    assert await storage.get_data(KEY) == {"idx": 1} and await storage.get_state(KEY) == ReportSG.field.state
    await ctx.update_data(idx=2)  # only the data changed: the ordinary call
    await ctx.flush()
    assert storage.ops[-1] == "set_data" and await storage.get_data(KEY) == {"idx": 2}


async def test_unchanged_state_and_data_are_not_written() -> None:
    storage = CountingStorage()
    await storage.set_data(KEY, {"a": 1})
    storage.ops.clear()
    ctx = CachedContext(FSMContext(storage, KEY), raw_state="ReportSG:field")
    await ctx.set_state(ReportSG.field)
    await ctx.update_data(a=1)
    await ctx.flush()
    assert storage.ops == ["get_data"]


async def test_returned_data_is_a_copy() -> None:
    ctx = CachedContext(FSMContext(MemoryStorage(), KEY), raw_state=None)
    data = await ctx.get_data()
    data["x"] = 1
    assert await ctx.get_data() == {}

"""The harness itself (photos, documents, buttons), the SQL storage, jobs and pruning."""

from __future__ import annotations

from datetime import timedelta

from aiogram import F, Router
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy import func, select

from app.wiring_delivery import register_jobs
from bot.callbacks import TicketCb
from bot.middlewares.dedup import prune_processed
from bot.models import FsmRecord, ProcessedUpdate
from bot.storage import SqlStorage
from tests.e2e.harness import BotHarness


def files_router(got: list[tuple[str, object]]) -> Router:
    r = Router(name="test-files")

    @r.message(F.photo)
    async def photo(message: Message) -> None:
        got.append(("photo", message.photo[-1].file_id if message.photo else None))
        await message.answer("фото получено", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="Открыть", callback_data=TicketCb(action="open", ticket_id=9).pack())]]))

    @r.message(F.document)
    async def document(message: Message) -> None:
        d = message.document
        got.append(("doc", (d.file_name, d.mime_type, d.file_size) if d else None))
        await message.answer("файл получен")

    @r.callback_query(TicketCb.filter())
    async def pressed(cq: CallbackQuery, callback_data: TicketCb) -> None:
        got.append(("cb", (callback_data.action, callback_data.ticket_id, cq.message.message_id if cq.message else 0)))
        await cq.answer()
        if cq.message is not None:
            await cq.message.edit_text(f"карточка {callback_data.ticket_id}")

    return r


async def test_photos_documents_and_buttons_go_through_the_dispatcher(harness: BotHarness) -> None:
    got: list[tuple[str, object]] = []
    harness.add_router(files_router(got))
    calls = await harness.send_photo(801, caption="скрин")
    assert harness.buttons(calls[-1]) == [["Открыть"]]
    await harness.send_document(801, "log.zip", "application/zip", 2048)
    calls = await harness.press(801, harness.button(801, "открыть"))
    photo_msg_id = harness.calls_to(801, "sendMessage")[0].result.message_id
    assert got[0][0] == "photo" and got[1] == ("doc", ("log.zip", "application/zip", 2048))
    assert got[2] == ("cb", ("open", 9, photo_msg_id))
    assert [c.name for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert calls[1].params["message_id"] == photo_msg_id and harness.last_text(801) == "карточка 9"


async def test_sql_storage_update_and_clear(harness: BotHarness) -> None:
    st = SqlStorage(harness.root.session_factory)
    key = StorageKey(bot_id=42, chat_id=5, user_id=5, thread_id=None)
    assert await st.get_state(key) is None and await st.get_data(key) == {}
    await st.update_data(key, {"service": "nttm"})
    await st.set_state(key, "Report:steps")
    assert await st.update_data(key, {"steps": "1. открыть"}) == {"service": "nttm", "steps": "1. открыть"}
    assert await st.get_state(key) == "Report:steps"
    other = StorageKey(bot_id=42, chat_id=5, user_id=5, destiny="other")
    assert await st.get_state(other) is None
    await st.set_state(key, None)
    await st.set_data(key, {})
    async with harness.root.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(FsmRecord)) == 0
    await st.set_state_and_data(key, "Report:field", {"idx": 2})  # one write of both
    fresh = SqlStorage(harness.root.session_factory)  # no cache: what the database holds
    assert await fresh.get_state(key) == "Report:field" and await fresh.get_data(key) == {"idx": 2}


async def test_prune_keeps_a_day_of_update_ids(harness: BotHarness) -> None:
    for text in ("a", "b"):
        await harness.send_text(802, text)
    async with harness.root.session_factory() as s:
        first = await s.scalar(select(ProcessedUpdate).order_by(ProcessedUpdate.update_id))
        assert first is not None
        first.created_at -= timedelta(days=2)
        await s.commit()
    assert await prune_processed(session_factory=harness.root.session_factory) == 1
    async with harness.root.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1


async def test_jobs_are_registered_only_with_a_bot(harness: BotHarness) -> None:
    register_jobs(harness.root)
    job = harness.root.scheduler.get_job("bot.delivery")
    assert job is not None and job.max_instances == 1 and job.coalesce
    assert harness.root.scheduler.get_job("bot.prune_updates") is not None

"""The sandbox answers aiogram over real HTTP as Telegram does: results aiogram parses, refusals with its wording."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from sandbox.rules import NOT_MODIFIED, QUERY_INVALID
from sandbox.server import SandboxConfig, create_app, new_token
from tests.e2e.sandbox_client import free_port

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63600000"
                    "02000154a24f5d0000000049454e44ae426082")


class Box:
    def __init__(self, bot: Bot, http: httpx.AsyncClient, token: str) -> None:
        self.bot, self.http, self.token = bot, http, token

    async def ctl(self, method: str, path: str, **kw: Any) -> Any:
        data = (await self.http.request(method, "/sandbox/api" + path, **kw)).json()
        assert data["ok"], data
        return data["result"]

    async def started_user(self, name: str = "Анна") -> int:
        uid = int((await self.ctl("POST", "/users", json={"first_name": name}))["id"])
        await self.ctl("POST", f"/chats/{uid}/messages", json={"from_id": uid, "text": "/start"})
        return uid


async def _serve(tmp: Path, *, rate_limits: bool) -> AsyncIterator[Box]:
    token, port = new_token(), free_port()
    app = create_app(SandboxConfig(token=token, data_dir=tmp, rate_limits=rate_limits))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base)))
    http = httpx.AsyncClient(base_url=base)
    try:
        yield Box(bot, http, token)
    finally:
        await bot.session.close()
        await http.aclose()
        server.should_exit = True
        await task


@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Box]:
    async for b in _serve(tmp_path, rate_limits=False):
        yield b


async def test_get_me_updates_with_offsets_and_long_polling(box: Box) -> None:
    me = await box.bot.get_me()
    assert me.is_bot and me.username == "sandbox_support_bot" and str(me.id) == box.token.split(":")[0]
    assert await box.bot.get_updates(timeout=0) == []
    uid = int((await box.ctl("POST", "/users", json={"first_name": "Анна"}))["id"])
    waiting = asyncio.create_task(box.bot.get_updates(timeout=10))
    await asyncio.sleep(0.3)
    assert not waiting.done()  # long polling holds the request until something happens
    await box.ctl("POST", f"/chats/{uid}/messages", json={"from_id": uid, "text": "/start"})
    [first] = await asyncio.wait_for(waiting, 5)
    assert first.message is not None and first.message.text == "/start"
    assert first.message.entities is not None and first.message.entities[0].type == "bot_command"
    await box.ctl("POST", f"/chats/{uid}/messages", json={"from_id": uid, "text": "второе"})
    again = await box.bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [first.update_id, first.update_id + 1]  # not confirmed yet
    later = await box.bot.get_updates(offset=first.update_id + 1, timeout=0)
    assert [u.message.text for u in later if u.message] == ["второе"]
    assert await box.bot.get_updates(offset=later[-1].update_id + 1, timeout=0) == []
    assert await box.bot.delete_webhook(drop_pending_updates=True)


async def test_messages_html_limits_edits_not_modified_and_deletion(box: Box) -> None:
    uid = int((await box.ctl("POST", "/users", json={"first_name": "Анна"}))["id"])
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await box.bot.send_message(uid, "привет")
    await box.ctl("POST", f"/chats/{uid}/messages", json={"from_id": uid, "text": "/start"})
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes")]])
    msg = await box.bot.send_message(uid, "<b>Жирный</b> &amp; <i>курсив</i>", parse_mode="HTML", reply_markup=kb)
    assert msg.text == "Жирный & курсив" and [e.type for e in msg.entities or []] == ["bold", "italic"]
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag \"br\""):
        await box.bot.send_message(uid, "a<br>b", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await box.bot.send_message(uid, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await box.bot.send_message(uid, "x", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="д" * 33)]]))
    with pytest.raises(TelegramBadRequest) as exc:
        await box.bot.edit_message_text(chat_id=uid, message_id=msg.message_id, parse_mode="HTML",
                                        text="<b>Жирный</b> &amp; <i>курсив</i>", reply_markup=kb)
    assert exc.value.message == NOT_MODIFIED
    edited = await box.bot.edit_message_text(chat_id=uid, message_id=msg.message_id, text="новый")
    assert isinstance(edited, type(msg)) and edited.text == "новый" and edited.reply_markup is None
    await box.bot.edit_message_reply_markup(chat_id=uid, message_id=msg.message_id, reply_markup=kb)
    [shown] = [m for m in await box.ctl("GET", f"/chats/{uid}/messages") if m["message_id"] == msg.message_id]
    assert shown["text"] == "новый" and shown["reply_markup"]["inline_keyboard"][0][0]["text"] == "Да"
    await box.bot.send_message(uid, "клавиатура", reply_markup=ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="📝 Сообщить о проблеме")]], resize_keyboard=True))
    chat = next(c for c in (await box.ctl("GET", "/state"))["chats"] if c["id"] == uid)
    assert chat["keyboard"]["keyboard"][0][0]["text"] == "📝 Сообщить о проблеме"
    assert await box.bot.delete_message(uid, msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await box.bot.delete_message(uid, msg.message_id)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await box.bot.send_message(777, "x")


async def test_a_callback_query_is_answered_once(box: Box) -> None:
    uid = await box.started_user()
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes")]])
    msg = await box.bot.send_message(uid, "вопрос", reply_markup=kb)
    qid = (await box.ctl("POST", f"/chats/{uid}/press", json={"from_id": uid, "message_id": msg.message_id,
                                                               "data": "yes"}))["query_id"]
    cq = (await box.bot.get_updates(timeout=0))[-1].callback_query
    assert cq is not None and cq.id == qid and cq.data == "yes" and cq.message is not None
    assert await box.bot.answer_callback_query(qid, text="Готово", show_alert=True)
    with pytest.raises(TelegramBadRequest) as exc:
        await box.bot.answer_callback_query(qid)
    assert exc.value.message == QUERY_INVALID
    answer = await box.ctl("GET", f"/callbacks/{qid}")
    assert answer["answer"] == {"text": "Готово", "show_alert": True, "url": None}


async def test_commands_by_scope_and_language(box: Box) -> None:
    uid = await box.started_user()
    await box.bot.set_my_commands([BotCommand(command="start", description="Начать")])
    await box.bot.set_my_commands([BotCommand(command="start", description="Start")], language_code="en")
    await box.bot.set_my_commands([BotCommand(command="bind", description="Привязать")],
                                  scope=BotCommandScopeAllGroupChats())
    assert [c.description for c in await box.bot.get_my_commands(language_code="en")] == ["Start"]
    assert await box.ctl("GET", f"/chats/{uid}/menu") == [{"command": "start", "description": "Начать"}]
    assert (await box.ctl("GET", f"/chats/{uid}/menu", params={"lang": "en"}))[0]["description"] == "Start"
    assert await box.bot.delete_my_commands(language_code="en")
    assert await box.bot.get_my_commands(language_code="en") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await box.bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


async def test_photos_documents_albums_get_file_and_download(box: Box) -> None:
    uid = await box.started_user()
    photo = await box.bot.send_photo(uid, BufferedInputFile(PNG, "a.png"), caption="<b>фото</b>", parse_mode="HTML")
    assert photo.photo is not None and (photo.photo[0].width, photo.photo[0].height) == (1, 1)
    assert photo.caption == "фото"
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await box.bot.send_photo(uid, BufferedInputFile(b"not an image", "a.png"))
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await box.bot.send_document(uid, BufferedInputFile(b"x", "a.txt"), caption="я" * 1025)
    doc = await box.bot.send_document(uid, BufferedInputFile(b"hello", "a.txt"))
    assert doc.document is not None and doc.document.file_name == "a.txt"
    file = await box.bot.get_file(doc.document.file_id)
    assert file.file_path is not None and file.file_size == 5
    assert (await box.bot.download_file(file.file_path)).read() == b"hello"  # type: ignore[union-attr]
    album = await box.bot.send_media_group(uid, [InputMediaPhoto(media=photo.photo[0].file_id),
                                                 InputMediaDocument(media=BufferedInputFile(b"log", "b.log"))])
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id is not None
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await box.bot.send_document(uid, "no-such-file-id")
    # a person's upload reaches the bot as a document it can fetch
    await box.http.post(f"/sandbox/api/chats/{uid}/files", data={"from_id": str(uid)},
                        files={"file": ("trace.log", b"ORA-00001", "text/plain")})
    up = (await box.bot.get_updates(timeout=0))[-1].message
    assert up is not None and up.document is not None and up.document.file_name == "trace.log"
    got = await box.bot.get_file(up.document.file_id)
    assert (await box.bot.download_file(got.file_path or "")).read() == b"ORA-00001"  # type: ignore[union-attr]


async def test_groups_forum_topics_pins_members_and_migration(box: Box) -> None:
    uid = await box.started_user()
    forum = await box.ctl("POST", "/groups", json={"title": "2ЛТП", "member_ids": [uid], "forum": True})
    added = [u.my_chat_member for u in await box.bot.get_updates(timeout=0) if u.my_chat_member]
    assert added and added[-1].new_chat_member.status == "administrator" and added[-1].chat.id == forum["id"]
    topic = await box.bot.create_forum_topic(forum["id"], "SD-1: ошибка")
    inside = await box.bot.send_message(forum["id"], "в теме", message_thread_id=topic.message_thread_id)
    assert inside.message_thread_id == topic.message_thread_id and inside.is_topic_message
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await box.bot.send_message(forum["id"], "x", message_thread_id=9999)
    assert await box.bot.edit_forum_topic(forum["id"], topic.message_thread_id, name="SD-1: решено")
    assert await box.bot.close_forum_topic(forum["id"], topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await box.bot.close_forum_topic(forum["id"], topic.message_thread_id)
    assert await box.bot.pin_chat_message(forum["id"], inside.message_id)
    full = await box.bot.get_chat(forum["id"])
    assert full.is_forum and full.pinned_message is not None and full.pinned_message.text == "в теме"
    assert (await box.bot.get_chat_member(forum["id"], uid)).status == "creator"
    me = await box.bot.get_chat_member(forum["id"], (await box.bot.get_me()).id)
    assert me.status == "administrator" and getattr(me, "can_manage_topics", False)
    assert await box.bot.unpin_chat_message(forum["id"], message_id=inside.message_id)
    basic = await box.ctl("POST", "/groups", json={"title": "basic", "member_ids": [uid], "bot_admin": False})
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await box.bot.create_forum_topic(basic["id"], "x")
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage pinned"):
        await box.bot.pin_chat_message(basic["id"], 1)
    new = await box.ctl("POST", f"/chats/{basic['id']}/migrate")
    with pytest.raises(TelegramMigrateToChat) as moved:
        await box.bot.send_message(basic["id"], "x")
    assert moved.value.migrate_to_chat_id == new["id"] and new["type"] == "supergroup"
    await box.ctl("POST", f"/chats/{new['id']}/bot", json={"status": "left", "actor_id": uid})
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the supergroup chat"):
        await box.bot.send_message(new["id"], "x")
    last = [u for u in await box.bot.get_updates(timeout=0)]
    assert last[-1].my_chat_member is not None and last[-1].my_chat_member.new_chat_member.status == "left"
    assert any(u.message and u.message.migrate_to_chat_id == new["id"] for u in last)


async def test_voice_notes_and_audio_files_were_not_found(box: Box) -> None:
    """sendVoice and sendAudio answered 404: the product sends a user's voice note or recording back with them."""
    uid = await box.started_user()
    voice = await box.bot.send_voice(uid, BufferedInputFile(b"OggS-voice", "note.ogg"), caption="<b>голос</b>",
                                     parse_mode="HTML", duration=3)
    assert voice.voice is not None and voice.voice.duration == 3 and voice.caption == "голос"
    assert voice.document is None
    file = await box.bot.get_file(voice.voice.file_id)
    assert (file.file_path or "").startswith("voice/")
    assert (await box.bot.download_file(file.file_path or "")).read() == b"OggS-voice"  # type: ignore[union-attr]
    again = await box.bot.send_voice(uid, voice.voice.file_id)  # by its file id, as the bot relays it
    assert again.voice is not None and again.voice.file_unique_id == voice.voice.file_unique_id
    audio = await box.bot.send_audio(uid, BufferedInputFile(b"ID3-audio", "call.mp3"), performer="Анна",
                                     title="Звонок", caption="запись")
    assert audio.audio is not None and audio.audio.file_name == "call.mp3"
    assert (audio.audio.performer, audio.audio.title, audio.caption) == ("Анна", "Звонок", "запись")
    edited = await box.bot.edit_message_caption(chat_id=uid, message_id=audio.message_id, caption="другая")
    assert not isinstance(edited, bool) and edited.caption == "другая"
    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await box.bot.edit_message_text("текст", chat_id=uid, message_id=voice.message_id)
    photo = await box.bot.send_photo(uid, BufferedInputFile(PNG, "a.png"))
    assert photo.photo is not None
    with pytest.raises(TelegramBadRequest, match="can't use file of type Photo as VoiceNote"):
        await box.bot.send_voice(uid, photo.photo[-1].file_id)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await box.bot.send_audio(uid, "no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await box.bot.send_voice(uid, voice.voice.file_id, caption="я" * 1025)


async def test_an_unknown_method_is_not_found_and_a_wrong_token_unauthorized(box: Box) -> None:
    class Nope(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "sendDice"

    with pytest.raises(TelegramNotFound):
        await box.bot(Nope())
    resp = await box.http.post("/bot1:wrong/getMe")
    assert (resp.status_code, resp.json()["description"]) == (401, "Unauthorized")


async def test_429_with_retry_after_over_the_private_chat_rate(tmp_path: Path) -> None:
    async for b in _serve(tmp_path, rate_limits=True):
        uid = await b.started_user()
        with pytest.raises(TelegramRetryAfter) as exc:
            for i in range(10):
                await b.bot.send_message(uid, f"сообщение {i}")
        assert exc.value.retry_after >= 1


async def test_a_restart_keeps_chats_and_messages(tmp_path: Path) -> None:
    async for b in _serve(tmp_path, rate_limits=False):
        uid = await b.started_user()
        await b.bot.send_message(uid, "до перезапуска")
        token = b.token
    app = create_app(SandboxConfig(token=token, data_dir=tmp_path))
    world = app.state.world
    assert [m.get("text") for m in world.messages(uid)] == ["/start", "до перезапуска"]
    with pytest.raises(Exception, match="not modified"):
        world.rules.check("editMessageText", {"chat_id": uid, "message_id": 2, "text": "до перезапуска"})

"""A person edits their message in the sandbox: the message changes in place and the bot gets `edited_message`
(only the author, only a text or a caption, never an unchanged text; allowed_updates filters it like the rest)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.rules import NOT_MODIFIED
from tests.e2e.sandbox_client import SandboxClient, SandboxError
from tests.e2e.test_sandbox_bot_api import PNG, Box, _serve


@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Box]:
    async for b in _serve(tmp_path, rate_limits=False):
        yield b


async def test_an_edit_changes_the_message_and_reaches_the_bot_as_edited_message(box: Box) -> None:
    sb = SandboxClient(str(box.http.base_url))
    try:
        uid = await box.started_user()
        mid = await sb.say(uid, "Наряд не закрывается", settle=False)
        edited = await sb.edit(uid, mid, "/report Наряд не закрывается", settle=False)
        assert edited["text"] == "/report Наряд не закрывается" and edited["edit_date"] >= edited["date"]
        assert edited["entities"] == [{"type": "bot_command", "offset": 0, "length": 7}]
        [stored] = [m for m in await sb.messages(uid) if m["message_id"] == mid]
        assert stored["text"] == "/report Наряд не закрывается" and "edit_date" in stored

        ups = await box.bot.get_updates(timeout=0)
        [update] = [u for u in ups if u.edited_message is not None]
        assert update.edited_message is not None and update.edited_message.message_id == mid
        assert update.edited_message.text == "/report Наряд не закрывается"
        assert update.edited_message.edit_date is not None
        offset = ups[-1].update_id + 1
        await sb.edit(uid, mid, "Наряд не закрывается с утра", settle=False)
        only_messages = await box.bot.get_updates(offset=offset, timeout=0, allowed_updates=["message"])
        assert only_messages == []  # allowed_updates leaves the edit out
        assert [u.edited_message.text for u in await box.bot.get_updates(offset=offset, timeout=0)
                if u.edited_message] == ["Наряд не закрывается с утра"]
    finally:
        await sb.aclose()


async def test_only_the_author_edits_only_text_or_caption_and_never_to_the_same_text(box: Box) -> None:
    sb = SandboxClient(str(box.http.base_url))
    try:
        anna, ivan = await box.started_user("Анна"), await box.started_user("Иван")
        group = await box.ctl("POST", "/groups", json={"title": "2ЛТП", "member_ids": [anna, ivan]})
        mid = await sb.say(anna, "Беру SD-000001", chat_id=group["id"], settle=False)
        with pytest.raises(SandboxError, match="message can't be edited"):
            await sb.edit(ivan, mid, "Беру я", chat_id=group["id"])
        with pytest.raises(SandboxError, match="message is not modified"):
            await sb.edit(anna, mid, "Беру SD-000001", chat_id=group["id"])
        assert NOT_MODIFIED.startswith("Bad Request: message is not modified")
        with pytest.raises(SandboxError, match="message text is empty"):
            await sb.edit(anna, mid, "  ", chat_id=group["id"])
        with pytest.raises(SandboxError, match="message to edit not found"):
            await sb.edit(anna, 9999, "что-то", chat_id=group["id"])
        sent = await box.bot.send_message(anna, "Опишите проблему")
        with pytest.raises(SandboxError, match="message can't be edited"):
            await sb.edit(anna, sent.message_id, "Это сказал бот")  # the bot's message is not the person's

        await sb.upload(anna, "screen.png", PNG, "image/png", as_photo=True)
        [photo] = [m for m in await sb.messages(anna) if "photo" in m]
        assert (await sb.edit(anna, photo["message_id"], "Экран ошибки", settle=False))["caption"] == "Экран ошибки"
        emptied = await sb.edit(anna, photo["message_id"], "", settle=False)
        assert "caption" not in emptied  # a caption may be removed, a text may not
        supergroup = await box.ctl("POST", f"/chats/{group['id']}/migrate")
        [service] = [m for m in await sb.messages(supergroup["id"]) if "migrate_from_chat_id" in m]
        assert service["from"]["id"] == anna  # hers, yet no text: nothing to edit
        with pytest.raises(SandboxError, match="message can't be edited"):
            await sb.edit(anna, service["message_id"], "текст", chat_id=supergroup["id"])
    finally:
        await sb.aclose()

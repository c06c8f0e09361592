"""Regression: a voice note (a user dictating the problem) or an audio file (a recording of a call) sent at the
files step was refused («Сюда подойдут фото или файл-документ»), and one sent as a comment was never kept; and the
files the desk sends back went only by sendPhoto/sendDocument, so a voice note would arrive as a plain file."""

from __future__ import annotations

from aiogram.types import Audio, Voice
from sqlalchemy import select

from bot.callbacks import TicketCb
from core.tickets.models import Attachment
from tests.e2e.dialogs import answer_every_step, fsm, onboard, tap
from tests.e2e.harness import BotHarness
from tests.e2e.test_dialog_report import _tickets
from tests.e2e.test_staff_forum import USER, _in_thread, _ready, _setup

VOICE = {"voice": Voice(file_id="voice-1", file_unique_id="vu1", duration=12, mime_type="audio/ogg",
                        file_size=40_000)}
AUDIO = {"audio": Audio(file_id="audio-1", file_unique_id="au1", duration=95, file_name="звонок.mp3",
                        mime_type="audio/mpeg", file_size=900_000)}


async def _to_files_step(h: BotHarness, uid: int) -> None:
    from bot.states import ReportSG
    from core.catalog.intake import FIELDS, FieldKind

    for _ in range(20):
        state, data = await fsm(h, uid)
        if state == ReportSG.field.state and FIELDS[data["keys"][data["idx"]]].kind is FieldKind.files:
            return
        try:
            await answer_every_step(h, uid, max_steps=1)  # one step answered, then it says «did not end»
        except AssertionError:
            pass
    raise AssertionError("no files step")


async def test_a_voice_note_and_a_call_recording_at_the_files_step_are_attached(harness: BotHarness) -> None:
    h, uid = harness, 7981
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    await _to_files_step(h, uid)
    prompt = h.last_text(uid) or ""
    assert "голосовые сообщения, аудиозаписи" in prompt
    await h.feed(h.updates.message(uid, None, **VOICE))
    assert "«голосовое сообщение» принят (1)" in (h.last_text(uid) or "")
    await h.feed(h.updates.message(uid, None, **AUDIO))
    assert "«звонок.mp3» принят (2)" in (h.last_text(uid) or "")
    await h.send_document(uid, "запись.wav", "audio/wav", 2_000_000)  # a recording sent as a file
    assert "«запись.wav» принят (3)" in (h.last_text(uid) or "")
    await tap(h, uid, "Готово")
    await answer_every_step(h, uid, until="ReportSG:summary")
    assert "голосовое сообщение, звонок.mp3, запись.wav" in (h.last_text(uid) or "")
    await tap(h, uid, "Отправить")
    [ticket] = await _tickets(h)
    async with h.root.session_factory() as s:
        rows = (await s.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)
                                .order_by(Attachment.id))).all()
    assert [(a.file_id, a.mime, a.kind) for a in rows] == [
        ("voice-1", "audio/ogg", "voice"), ("audio-1", "audio/mpeg", "audio"),
        ("doc-запись.wav", "audio/wav", "document")]


async def test_a_voice_comment_reaches_the_topic_as_a_voice_note(harness: BotHarness) -> None:
    h = harness
    t = await _setup(h)
    thread = await _ready(h, t)
    await h.press(USER, TicketCb(action="comment", ticket_id=t.id))
    await h.feed(h.updates.message(USER, None, caption="Записал, что говорит абонент", **VOICE))
    await h.press(USER, TicketCb(action="comment", ticket_id=t.id))
    await h.feed(h.updates.message(USER, None, **AUDIO))
    await h.press(USER, TicketCb(action="comment", ticket_id=t.id))
    await h.send_document(USER, "запись.wav", "audio/wav", 2_000_000)
    await h.deliver()
    assert [c.params["voice"] for c in _in_thread(h, thread, "sendVoice")] == ["voice-1"]
    assert [c.params["audio"] for c in _in_thread(h, thread, "sendAudio")] == ["audio-1"]
    assert [c.params["document"] for c in _in_thread(h, thread, "sendDocument")] == ["doc-запись.wav"]
    assert not [c for c in h.calls_to(-100_400) if c.error is not None]  # no file id sent with a wrong method
    assert any("говорит абонент" in (c.text or "") for c in _in_thread(h, thread))

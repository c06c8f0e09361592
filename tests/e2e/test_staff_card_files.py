"""Regression: a ticket card said «📎 Вложений: 3», but nothing in Telegram let the line open the report's
screenshots, documents or voice notes (they were relayed only when a comment carried them)."""

from __future__ import annotations

from core.tickets import service as tickets
from tests import factories as f
from tests.e2e.harness import BotHarness
from tests.e2e.test_staff_card import CHAT, MEMBER, _card, _press, _setup, _sync


def _buttons(h: BotHarness, number: str) -> list[str]:
    [call] = [c for c in h.calls_to(CHAT) if c.name in ("sendMessage", "editMessageText") and c.error is None
              and "📌" in (c.text or "") and number in (c.text or "")][-1:]
    return [b for row in h.buttons(call) for b in row]


async def test_the_card_button_sends_the_reports_files_each_with_its_kind(harness: BotHarness) -> None:
    h = harness
    plain, _ = await _setup(h)
    requester = await f.user(h.root, tg_id=7470, login="u7470", full_name="Орлова Ольга")
    files = [tickets.FileRef(file_id="ph-1", name="photo_u1.jpg", mime="image/jpeg", kind="photo"),
             tickets.FileRef(file_id="vo-1", name="voice_u2.ogg", mime="audio/ogg", kind="voice"),
             tickets.FileRef(file_id="dc-1", name="отчёт <итог>.pdf", mime="application/pdf", kind="document")]
    for fid, tdlib in (("ph-1", "Photo"), ("vo-1", "VoiceNote"), ("dc-1", "Document")):
        h.session.file_types[fid] = tdlib  # Telegram knows which kind each id is
    t = await tickets.register(uow=h.root.uow(), service_code="nttm", request_type="incident", priority=3,
                               requester_id=requester.id, fields=dict(f.INCIDENT_FIELDS), attachments=files)
    await _sync(h)
    await _sync(h)  # one card a pass in a chat (the group's budget)
    await _card(h, t.id)
    assert "📎 Вложения" in _buttons(h, t.number or "")
    assert "📎 Вложения" not in _buttons(h, plain.number or "")  # a ticket without files: no such button
    calls = await _press(h, MEMBER, "files", t)
    sent = [(c.name, c.params.get("photo") or c.params.get("voice") or c.params.get("document"))
            for c in calls if c.error is None and c.name.startswith("send")]
    assert sent == [("sendPhoto", "ph-1"), ("sendVoice", "vo-1"), ("sendDocument", "dc-1")]
    assert not [c for c in calls if c.error is not None]
    [doc] = [c for c in calls if c.name == "sendDocument"]
    assert doc.params["caption"] == "📎 отчёт &lt;итог&gt;.pdf"
    [answer] = [c for c in calls if c.name == "answerCallbackQuery"]
    assert answer.params.get("text") == "Вложений: 3"

"""Regression: a ticket card said «📎 Вложений: 3», but nothing in Telegram let the line open the report's
screenshots, documents or voice notes (they were relayed only when a comment carried them).

The button then sent them straight through the bot inside the press: a 429 (a group takes 20 messages a minute)
or a network failure on one file lost the rest, and a chat that refused the bot raised. They go through the
outbox now, as every other message: the worker waits out a 429 and retries."""

from __future__ import annotations

from typing import Any

from core.tickets import service as tickets
from core.tickets.models import Ticket
from tests import factories as f
from tests.e2e.harness import BotHarness, Call, forbidden, network_error, retry_after
from tests.e2e.test_staff_card import CHAT, MEMBER, _card, _press, _setup, _sync

FILES = [tickets.FileRef(file_id="ph-1", name="photo_u1.jpg", mime="image/jpeg", kind="photo"),
         tickets.FileRef(file_id="vo-1", name="voice_u2.ogg", mime="audio/ogg", kind="voice"),
         tickets.FileRef(file_id="dc-1", name="отчёт <итог>.pdf", mime="application/pdf", kind="document")]
EXPECTED = [("sendPhoto", "ph-1"), ("sendVoice", "vo-1"), ("sendDocument", "dc-1")]


def _buttons(h: BotHarness, number: str) -> list[str]:
    [call] = [c for c in h.calls_to(CHAT) if c.name in ("sendMessage", "editMessageText") and c.error is None
              and "📌" in (c.text or "") and number in (c.text or "")][-1:]
    return [b for row in h.buttons(call) for b in row]


def _sent(calls: list[Call]) -> list[tuple[str, Any]]:
    return [(c.name, c.params.get("photo") or c.params.get("voice") or c.params.get("document"))
            for c in calls if c.error is None and c.name in ("sendPhoto", "sendVoice", "sendDocument")]


async def _with_files(h: BotHarness) -> tuple[Ticket, Ticket]:
    plain, _ = await _setup(h)
    requester = await f.user(h.root, tg_id=7470, login="u7470", full_name="Орлова Ольга")
    for fid, tdlib in (("ph-1", "Photo"), ("vo-1", "VoiceNote"), ("dc-1", "Document")):
        h.session.file_types[fid] = tdlib  # Telegram knows which kind each id is
    t = await tickets.register(uow=h.root.uow(), service_code="nttm", request_type="incident", priority=3,
                               requester_id=requester.id, fields=dict(f.INCIDENT_FIELDS), attachments=FILES)
    await _sync(h)
    await _sync(h)  # one card a pass in a chat (the group's budget)
    await _card(h, t.id)
    await h.deliver()  # the registration's notices
    return plain, t


async def test_the_card_button_sends_the_reports_files_each_with_its_kind(harness: BotHarness) -> None:
    h = harness
    plain, t = await _with_files(h)
    assert "📎 Вложения" in _buttons(h, t.number or "")
    assert "📎 Вложения" not in _buttons(h, plain.number or "")  # a ticket without files: no such button
    calls = await _press(h, MEMBER, "files", t)
    [answer] = [c for c in calls if c.name == "answerCallbackQuery"]
    assert answer.params.get("text") == "Вложений: 3"
    start = len(h.session.calls)
    await h.deliver()
    sent = h.session.calls[start:]
    assert _sent(sent) == EXPECTED
    assert all(c.chat_id == CHAT for c in sent if c.name.startswith("send"))
    assert not [c for c in sent if c.error is not None]
    [doc] = [c for c in sent if c.name == "sendDocument"]
    assert doc.params["caption"] == "📎 отчёт &lt;итог&gt;.pdf"


async def test_card_files_were_lost_after_a_429_on_the_second_one(harness: BotHarness) -> None:
    """A 429 longer than a reply waits out (a group's minute) on the second file: all three still arrive."""
    h = harness
    _, t = await _with_files(h)
    h.session.fail_next("sendVoice", retry_after(45))
    start = len(h.session.calls)
    calls = await _press(h, MEMBER, "files", t)
    assert [c.name for c in calls if c.name == "answerCallbackQuery"] == ["answerCallbackQuery"]
    for _ in range(3):
        await h.deliver()
    later = h.session.calls[start:]
    assert _sent(later) == EXPECTED
    assert [c.name for c in later if c.error is not None] == ["sendVoice"]  # the 429, waited out and retried


async def test_card_files_were_lost_after_a_network_failure(harness: BotHarness) -> None:
    h = harness
    _, t = await _with_files(h)
    h.session.fail_next("sendVoice", network_error(), times=6)  # longer than one poll's retries in place
    start = len(h.session.calls)
    await _press(h, MEMBER, "files", t)
    for _ in range(4):
        h.clock.advance(120)  # past the worker's backoff
        await h.deliver()
    assert _sent(h.session.calls[start:]) == EXPECTED


async def test_card_files_press_raised_when_the_chat_refused_the_bot(harness: BotHarness) -> None:
    h = harness
    _, t = await _with_files(h)
    h.session.fail_next("sendPhoto", forbidden("Forbidden: bot was kicked from the supergroup chat"))
    calls = await _press(h, MEMBER, "files", t)  # strict harness: a handler's exception would be raised here
    assert [c.params.get("text") for c in calls if c.name == "answerCallbackQuery"] == ["Вложений: 3"]
    start = len(h.session.calls)
    await h.deliver()  # held for the chat, not raised: the worker keeps a line chat's messages until it is rebound
    assert ("sendVoice", "vo-1") in _sent(h.session.calls[start:])

"""/subscriptions: services on and off, releases separately; outages of a used service cannot be turned off."""

from __future__ import annotations

from core.outages import subscriptions
from handlers.subscriptions import SubCb
from tests import factories as f
from tests.e2e.harness import BotHarness


async def test_subscriptions_on_and_off_and_locked_for_a_used_service(harness: BotHarness) -> None:
    h = harness
    await h.send_text(42, "/start")
    calls = await h.send_text(42, "/subscriptions")
    assert "Уведомления по сервисам" in (calls[-1].text or "")
    user = await f.user(h.root, tg_id=42, login="i.ivanov")
    await f.incident(h.root, user, service="nttm")

    await h.press(42, SubCb(a="on", v="clm"))
    views = {v.code: v for v in await subscriptions.list_for_user(uow=h.root.uow(), user_id=user.id)}
    assert views["clm"].subscribed and views["nttm"].uses
    await h.press(42, SubCb(a="rel_off", v="clm"))
    await h.press(42, SubCb(a="off", v="clm"))
    views = {v.code: v for v in await subscriptions.list_for_user(uow=h.root.uow(), user_id=user.id)}
    assert not views["clm"].subscribed and not views["clm"].releases

    calls = await h.press(42, SubCb(a="locked", v="nttm"))
    alert = [c for c in calls if c.name == "answerCallbackQuery"]
    assert alert and "всегда" in (alert[0].params.get("text") or "")

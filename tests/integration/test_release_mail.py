"""A ticket resolved by its release's installation (003 «Решение обращения»): the requester without Telegram is
e-mailed the resolution. The mail's solution was the stored Russian text whatever the requester's language; it is
now told from the release's facts in their language, like the bot's notice (bot.delivery.render.release_text)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import utcnow
from core.mail.models import EmailNotice
from core.mail.notices import plan_notices
from core.planned import service as planned
from core.tickets import service as tickets
from core.tickets.service import Actor
from tests import factories as f


async def _resolved_by_release(root, *, locale: str) -> str:
    """The e-mailed resolution of a phone requester's ticket that a release's installation solved."""
    staff = Actor("staff", (await f.staff(root)).id)
    t = await f.incident(root, await f.user(root, tg_id=None, login=f"mail.{locale}", locale=locale))
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="take", actor=staff)
    start = utcnow() + timedelta(minutes=30)
    w, _ = await planned.create(uow=root.uow(), kind="release", services=["nttm"], title="Релиз 5.5",
                                starts_at=start, ends_at=start + timedelta(hours=1), changes=["Фильтр", "Отчёт"],
                                urgent=True, tz=root.tz)
    await tickets.apply_action(uow=root.uow(), ticket_id=t.id, action="link_release", actor=staff,
                               params={"release_id": w.id, "config_item": "Интерфейс / NTTM"})
    await planned.complete(uow=root.uow(), work_id=w.id, tz=root.tz, now=start + timedelta(minutes=40))
    await plan_notices(uow=root.uow())
    async with root.session_factory() as s:
        rows = (await s.scalars(select(EmailNotice).order_by(EmailNotice.id))).all()
    [mail] = [r for r in rows if r.subject.endswith(("решено", "resolved"))]
    return mail.body


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_an_english_requester_was_mailed_a_release_resolution_in_russian(root, locale: str) -> None:
    body = await _resolved_by_release(root, locale=locale)
    if locale == "en":
        assert "has been resolved" in body and "Solution:\nThe fix was installed with release No." in body
        assert "«Релиз 5.5»" in body and "Changes: Фильтр; Отчёт" in body
        assert "Исправление" not in body and "Изменения" not in body
    else:
        assert "решено" in body and "Решение:\nИсправление установлено в составе релиза №" in body
        assert "«Релиз 5.5»" in body and "Изменения: Фильтр; Отчёт" in body

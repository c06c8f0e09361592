"""Steps shared by the dialog e2e tests (through the real Dispatcher)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.catalog.models import User
from tests.e2e.harness import BotHarness


async def tap(h: BotHarness, uid: int, contains: str) -> list[Any]:
    """Presses the button whose text contains `contains` in the last inline keyboard sent to `uid`."""
    return await h.press(uid, h.button(uid, contains))


async def onboard(h: BotHarness, uid: int, *, name: str = "Петров Пётр Петрович", login: str = "p.petrov",
                  region: str = "МРФ Волга") -> None:
    await h.send_text(uid, "/start")
    await h.send_text(uid, name)
    await h.send_text(uid, login)
    await tap(h, uid, region)


async def db_user(h: BotHarness, uid: int) -> User:
    async with h.root.session_factory() as s:
        user = await s.scalar(select(User).where(User.tg_id == uid))
        assert user is not None
        return user


async def incident_until_summary(h: BotHarness, uid: int, *, service: str) -> None:
    """A complete incident from the menu to the summary, with one photo and one document."""
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, service)
    await tap(h, uid, "Инцидент")
    await h.send_text(uid, "Открыл карточку клиента, нажал «Сохранить»")
    await h.send_text(uid, "Карточка сохраняется")
    await h.send_text(uid, "Ошибка 500 при сохранении карточки")  # actual: KB is empty here, no offer
    await h.send_text(uid, "сейчас")
    await tap(h, uid, "Только я")
    await h.send_text(uid, "ЛС 123456789")
    await tap(h, uid, "Пропустить")  # external refs are optional
    await h.send_photo(uid)
    await h.send_document(uid, "log.txt", "text/plain", 2048)
    await tap(h, uid, "Готово")
    await tap(h, uid, "Да")  # blocked
    await tap(h, uid, "Нет")  # no workaround -> priority 2

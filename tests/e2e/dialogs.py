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


async def fsm(h: BotHarness, uid: int) -> tuple[str | None, dict[str, Any]]:
    """The user's dialog state and data as stored."""
    from aiogram.fsm.storage.base import StorageKey

    key = StorageKey(bot_id=h.bot.id, chat_id=uid, user_id=uid)
    return await h.dp.storage.get_state(key), await h.dp.storage.get_data(key)


async def answer_every_step(h: BotHarness, uid: int, *, max_steps: int = 40, until: str | None = None) -> None:
    """Answers whatever the report dialog asks (a valid example, the first choice, «Нет», «Согласен») and sends;
    with `until` (a state), stops when the dialog gets there."""
    from bot.states import ReportSG
    from core.catalog.intake import FIELDS, FieldKind

    for _ in range(max_steps):
        state, data = await fsm(h, uid)
        if state is None or state == until:
            return
        if state == ReportSG.field.state:
            spec = FIELDS[data["keys"][data["idx"]]]
            if spec.kind is FieldKind.files:
                await tap(h, uid, "Готово")
            elif spec.kind is FieldKind.choice:
                await h.press(uid, next(iter(h.button_data(h.last_call(uid, with_inline=True)).values())))
            elif spec.kind is FieldKind.past_datetime:
                await h.send_text(uid, "сейчас")
            else:
                await h.send_text(uid, spec.example["ru"])
        elif state == ReportSG.impact.state:
            await tap(h, uid, "Нет") if "Нет" in str(h.buttons(h.last_call(uid, with_inline=True))) else \
                await h.press(uid, next(iter(h.button_data(h.last_call(uid, with_inline=True)).values())))
        elif state == ReportSG.priority.state:
            await tap(h, uid, "Согласен")
        elif state == ReportSG.summary.state:
            await tap(h, uid, "Отправить")
        elif state == ReportSG.kb.state:
            await tap(h, uid, "Не помогло")
        else:
            raise AssertionError(f"unexpected state {state}")
    raise AssertionError("the dialog did not end")

"""/release in a line chat: a staff member working on a ticket links it to an announced release of its service
(003 «Решение обращения»: «Если устранение дефекта реализовано в патче/обновлении, то разрешение обращения
выполняется по факту установки соответствующего обновления Системы»), or takes it off.

`/release SD-000042` lists the service's open releases; `/release SD-000042 <release no.> <configuration item>`
links (the item is the class of the problem the installation resolves it with); `/release SD-000042 off` unlinks.
The use case is the lifecycle's link_release / unlink_release (core/tickets/releases.py).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.staff.texts import Tr
from bot.staffchat.card import staff_status
from bot.telegram import escape
from core.errors import Conflict, DomainError, Forbidden, IllegalTransition, NotFound
from core.planned.models import WorkStatus
from core.planned.releases import open_releases
from core.staffdesk import chats, queues
from core.tickets.lifecycle import Actor
from core.tickets.models import parse_number
from core.tickets.service import apply_action
from core.uow import UowFactory
from handlers.card_steps import LineStaff

router = Router(name="release-link")
router.message.filter(F.chat.type.in_(("group", "supergroup")), F.text.startswith("/"), LineStaff())
USAGE = "Укажите обращение и релиз: /release SD-000042 7 Интерфейс / NTTM (снять: /release SD-000042 off)"


@router.message(Command("release"))
async def on_release(message: Message, command: CommandObject, uow: UowFactory, staff_id: int, tz: ZoneInfo,
                     i18n: I18n | None = None) -> None:
    tr = Tr(i18n, "ru")
    number, _, rest = (command.args or "").strip().partition(" ")
    found = await queues.find_ticket(uow=uow(), number=number) if number else None
    if found is None:
        await message.answer(tr("Обращение {number} не найдено.", number=escape(number))
                             if parse_number(number) is not None else tr(USAGE))
        return
    ticket_id, _line, service_code = found
    if not await chats.ticket_in_chat(uow=uow(), chat_id=message.chat.id, ticket_id=ticket_id):
        await message.answer(tr("Обращение {number} не относится к этому чату.", number=escape(number)))
        return
    release, _, item = rest.strip().partition(" ")
    if not release:
        await message.answer(await _list(uow, tr, service_code, tz))
        return
    actor = Actor("staff", staff_id)
    try:
        if release.casefold() in ("off", "снять"):
            await apply_action(uow=uow(), ticket_id=ticket_id, action="unlink_release", actor=actor)
            await message.answer(tr("Обращение {number} больше не ждёт релиза.", number=escape(number)))
            return
        params = {"release_id": release.lstrip("№#"), "config_item": item.strip()}
        await apply_action(uow=uow(), ticket_id=ticket_id, action="link_release", actor=actor, params=params)
    except DomainError as exc:
        await message.answer(tr("Не получилось: {reason}", reason=escape(_why(exc, tr, number=number,
                                                                              release=release.lstrip("№#")))))
        return
    await message.answer(tr("Обращение {number} ждёт релиза №{release}: оно будет решено при установке релиза.",
                            number=escape(number), release=escape(release.lstrip("№#"))))


def _why(exc: DomainError, tr: Tr, *, number: str, release: str) -> str:
    """The refusal in the chat's words (the domain's messages are English, for the log)."""
    fields = getattr(exc, "fields", None)
    if fields:
        return "; ".join(fields.values())
    if isinstance(exc, IllegalTransition) and exc.action == "link_release":
        return tr("обращение {number} в статусе «{status}»: с релизом связывают обращение в работе",
                  number=number, status=staff_status(exc.status))
    if isinstance(exc, IllegalTransition):
        return tr("обращение {number} в статусе «{status}»", number=number, status=staff_status(exc.status))
    if isinstance(exc, NotFound):
        return tr("релиза №{release} нет; объявленные релизы сервиса: /release {number}", release=release,
                  number=number)
    if isinstance(exc, Forbidden):
        return tr("у вас нет прав на это действие")
    if "not linked" in exc.message:
        return tr("обращение {number} не ждёт релиза", number=number)
    if "already linked" in exc.message:
        return tr("обращение {number} уже ждёт релиза №{release}", number=number, release=release)
    if exc.details.get("status") == WorkStatus.cancelled:
        return tr("релиз №{release} отменён", release=release)
    if isinstance(exc, Conflict):  # installed, or ended while this was sent
        return tr("релиз №{release} уже установлен", release=release)
    return tr("действие сейчас недоступно")


async def _list(uow: UowFactory, tr: Tr, service_code: str, tz: ZoneInfo) -> str:
    works = await open_releases(uow=uow.read(), service_code=service_code)
    if not works:
        return tr("У сервиса нет объявленных релизов: релиз объявляют в чате работ (/works).")
    lines = [tr("Объявленные релизы сервиса:")]
    for w in works:
        lines.append(f"№{w.id} «{escape(w.title)}» — {w.ends_at.astimezone(tz):%d.%m.%Y %H:%M}")
    lines.append(tr(USAGE))
    return "\n".join(lines)

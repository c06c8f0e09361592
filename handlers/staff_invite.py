"""/start inv_<code> in private: the Telegram account that opens an invitation link becomes that staff member."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.commands import set_staff_commands
from bot.texts import _
from core.errors import Conflict, NotFound
from core.staffdesk import invitations
from core.uow import UowFactory

log = logging.getLogger(__name__)
router = Router(name="staff-invite")


@router.message(CommandStart(deep_link=True, magic=F.args.startswith(invitations.PREFIX)))
async def on_invitation(message: Message, command: CommandObject, state: FSMContext, uow: UowFactory, bot: Bot,
                        i18n: I18n | None = None, locale: str | None = None) -> None:
    await state.clear()
    tg = message.from_user
    assert tg is not None  # a private message has a sender
    try:
        linked = await invitations.accept(uow=uow(), code=command.args or "", tg_id=tg.id, tg_name=tg.full_name)
    except Conflict as exc:
        reason = exc.details.get("reason")
        log.info("invitation refused for %s: %s", tg.id, exc.message)
        if reason == "expired":
            text = _("Срок этого приглашения истёк. Попросите администратора или координатора прислать новое.")
        elif reason == "taken":
            text = _("Это приглашение выдано для сотрудника, уже связанного с другим аккаунтом Telegram. "
                     "Обратитесь к администратору.")
        else:
            text = _("Это приглашение уже использовано. Если это были не вы, сообщите администратору; "
                     "новое приглашение выдаёт администратор или координатор.")
        await message.answer(text)
        return
    except NotFound:
        await message.answer(_("Приглашение не найдено. Проверьте ссылку или попросите новую."))
        return
    await set_staff_commands(bot, i18n, [(tg.id, locale or "ru")])  # the staff menu in this chat from now on
    role = _("координатор группы") if linked.is_coordinator else _("сотрудник группы")
    await message.answer(_("Готово: ваш аккаунт Telegram связан с записью сотрудника — {role} «{group}». "
                           "Карточки обращений и кнопки работы с ними — в чате вашей группы.")
                         .format(role=role, group=escape(linked.group_name or linked.line_code)))

"""Line chats: /bind (service, then group, by buttons), the bot's membership updates, a group's migration."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.callbacks import BindCb
from bot.staffchat.port import BotPort, rights_missing
from bot.texts import _
from core.staffdesk import chats
from core.staffdesk.models import ALL_SERVICES
from core.uow import UowFactory

log = logging.getLogger(__name__)
GROUPS = ("group", "supergroup")
ALL = "*"  # BindCb.s of «all of the group's services»

router = Router(name="line-chat")
router.message.filter(F.chat.type.in_(GROUPS))
router.callback_query.filter(F.message.chat.type.in_(GROUPS))
router.my_chat_member.filter(F.chat.type.in_(GROUPS))


def _keyboard(rows: list[tuple[str, BindCb]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=cb.pack())]
                                                 for t, cb in rows])


@router.message(Command("bind"))
async def on_bind(message: Message, uow: UowFactory) -> None:
    tg = message.from_user
    if tg is None or not await chats.may_bind(uow=uow(), tg_id=tg.id):
        log.info("/bind in chat %s refused: %s is no coordinator or service manager", message.chat.id,
                 tg.id if tg else None)
        await message.answer(_("Привязать чат к группе поддержки может координатор группы или сервис-менеджер."))
        return
    services = await chats.bind_choices(uow=uow(), service_code=None)
    rows = [(name, BindCb(s=code)) for code, name in services]
    rows.append((_("Все сервисы группы"), BindCb(s=ALL)))
    await message.answer(_("Привязка чата. Шаг 1 из 2: для какого сервиса этот чат?"), reply_markup=_keyboard(rows))


@router.callback_query(BindCb.filter(F.g == ""))
async def on_bind_service(cq: CallbackQuery, callback_data: BindCb, uow: UowFactory) -> None:
    if not await chats.may_bind(uow=uow(), tg_id=cq.from_user.id):
        await cq.answer(_("Привязать чат может координатор группы или сервис-менеджер."), show_alert=True)
        return
    service = ALL_SERVICES if callback_data.s == ALL else callback_data.s
    groups = await chats.bind_choices(uow=uow(), service_code=service)
    rows = [(name, BindCb(s=callback_data.s, g=code)) for code, name in groups]
    await cq.answer()
    if isinstance(cq.message, Message):
        await cq.message.edit_text(_("Шаг 2 из 2: какая группа поддержки работает в этом чате?"),
                                   reply_markup=_keyboard(rows))


@router.callback_query(BindCb.filter(F.g != ""))
async def on_bind_group(cq: CallbackQuery, callback_data: BindCb, uow: UowFactory, bot: Bot) -> None:
    msg = cq.message
    if not await chats.may_bind(uow=uow(), tg_id=cq.from_user.id):
        log.info("bind press in chat %s refused: %s is no coordinator or service manager",
                 msg.chat.id if msg else None, cq.from_user.id)
        await cq.answer(_("Привязать чат может координатор группы или сервис-менеджер."), show_alert=True)
        return
    if not isinstance(msg, Message):
        await cq.answer()
        return
    check = await BotPort(bot).check_chat(msg.chat.id)
    if not check.ok:
        await cq.answer()
        lines = "\n".join(f"• {escape(m)}" for m in check.missing)
        await msg.edit_text(_("Чат не привязан: не хватает прав бота.\n{missing}\nИсправьте и отправьте /bind ещё "
                              "раз.").format(missing=lines))
        return
    service = None if callback_data.s == ALL else callback_data.s
    view = await chats.bind(uow=uow(), chat_id=msg.chat.id, group_code=callback_data.g, service_code=service,
                            title=check.title or msg.chat.title or "", forum=check.forum, by_tg_id=cq.from_user.id)
    await cq.answer()
    mode = _("с темами: у каждого обращения своя тема") if view.forum else _("обычная группа: карточки "
                                                                             "обращений в общей ленте")
    await msg.edit_text(_("Чат привязан к группе «{group}»{service}. Режим: {mode}.").format(
        group=escape(callback_data.g), service=f" ({escape(service)})" if service else "", mode=mode))


@router.my_chat_member()
async def on_my_member(update: ChatMemberUpdated, uow: UowFactory) -> None:
    """Removed or demoted: the binding is marked broken (line 1 is told); rights back: it works again."""
    member = update.new_chat_member
    check = rights_missing(chat_type=update.chat.type, forum=bool(update.chat.is_forum), member=member,
                           title=update.chat.title or "")
    if check.ok:
        if await chats.mark_active(uow=uow(), chat_id=update.chat.id) is not None:
            log.info("line chat %s has the bot's rights again", update.chat.id)
        return
    reason = "; ".join(check.missing)
    if await chats.mark_broken(uow=uow(), chat_id=update.chat.id, reason=reason) is not None:
        log.warning("line chat %s broken: %s", update.chat.id, reason)


@router.message(F.migrate_to_chat_id)
async def on_migrated(message: Message, uow: UowFactory) -> None:
    """The group became a supergroup: the binding follows the new id."""
    new_id = message.migrate_to_chat_id
    assert new_id is not None  # the filter
    if await chats.migrate(uow=uow(), old_chat_id=message.chat.id, new_chat_id=new_id) is not None:
        log.info("line chat %s migrated to %s", message.chat.id, new_id)

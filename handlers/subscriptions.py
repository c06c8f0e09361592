"""/subscriptions: the services whose notices the user gets, each with on/off and releases on/off.

Outages of a service the user reported on always reach them (the switch says so); releases can be turned off.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.keyboards import inline
from bot.texts import _
from core.catalog.models import User
from core.outages import subscriptions
from core.outages.subscriptions import SubscriptionView
from core.uow import UowFactory
from handlers.common import say

router = Router(name="subscriptions")


class SubCb(CallbackData, prefix="sb"):
    a: str  # on | off | rel_on | rel_off | locked
    v: str = ""  # service code


def _view(items: list[SubscriptionView]) -> tuple[str, InlineKeyboardMarkup]:
    rows: list[list[tuple[str, SubCb]]] = []
    for it in items:
        if it.uses:
            main = (f"🔒 {it.name}", SubCb(a="locked", v=it.code))
        elif it.subscribed:
            main = (f"✅ {it.name}", SubCb(a="off", v=it.code))
        else:
            main = (f"▫️ {it.name}", SubCb(a="on", v=it.code))
        rel = (_("Релизы: вкл") if it.releases else _("Релизы: выкл"),
               SubCb(a="rel_off" if it.releases else "rel_on", v=it.code))
        rows.append([main, rel])
    text = _("<b>Уведомления по сервисам</b>\n✅ — подписаны, ▫️ — нет, 🔒 — вы пользуетесь сервисом: об авариях "
             "сообщим всегда.\nНажмите на сервис, чтобы включить или выключить; релизы — отдельно.")
    return text, inline(rows)


@router.message(Command("subscriptions"))
async def on_subscriptions(message: Message, uow: UowFactory, user: User) -> None:
    text, markup = _view(await subscriptions.list_for_user(uow=uow(), user_id=user.id))
    await message.answer(text, reply_markup=markup)


@router.callback_query(SubCb.filter(F.a.in_({"on", "off", "rel_on", "rel_off", "locked"})))
async def on_toggle(call: CallbackQuery, callback_data: SubCb, uow: UowFactory, user: User) -> None:
    items = await subscriptions.list_for_user(uow=uow(), user_id=user.id)
    item = next((i for i in items if i.code == callback_data.v), None)
    if item is None:
        await call.answer(_("Такого сервиса нет"), show_alert=True)
        return
    if callback_data.a == "locked":
        await call.answer(_("Вы обращались по «{svc}»: об авариях этого сервиса мы сообщаем всегда. Релизы можно "
                            "выключить.").format(svc=item.name), show_alert=True)
        return
    if callback_data.a in ("on", "off"):
        await subscriptions.set_subscription(uow=uow(), user_id=user.id, service_code=item.code,
                                             on=callback_data.a == "on")
    else:
        await subscriptions.set_subscription(uow=uow(), user_id=user.id, service_code=item.code,
                                             releases=callback_data.a == "rel_on")
    text, markup = _view(await subscriptions.list_for_user(uow=uow(), user_id=user.id))
    if isinstance(call.message, Message):
        await call.message.edit_text(text, reply_markup=markup)  # the same list, switched in place
        await call.answer()
    else:
        await say(call, text, markup)

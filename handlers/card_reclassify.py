"""«🔀 Сменить услугу» on a line-1 card: a misfiled ticket gets its right service and request type (003: tickets
sent to a group by mistake come back to 1ЛТП «для изменения услуги/сервиса и передачи на верную группу»).

Press → the services → the chosen service's request types → the `reclassify` action (the admin API's use case):
routing and the SLA follow, the card moves to the new group's chat. Only line 1 or a service manager may.
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CardCb, PickCb
from bot.texts import type_name
from core.catalog import service as catalog
from core.catalog.models import Service
from core.uow import UowFactory
from handlers.card_steps import GROUPS, LineStaff, apply_press, checked, pick_kb, say_under

router = Router(name="card-reclassify")
router.callback_query.filter(F.message.chat.type.in_(GROUPS), LineStaff())
# a choice carries the service's id, not its code: Telegram's 64 bytes of callback data must hold it with the type
SEP = "|"  # between the service id and the type (":" separates the callback's own fields)


@router.callback_query(CardCb.filter(F.a == "rcl"))
async def on_reclassify(cq: CallbackQuery, callback_data: CardCb, uow: UowFactory, bot: Bot, tz: ZoneInfo) -> None:
    t, v = callback_data.t, callback_data.v
    if not await checked(cq, uow, bot, tz, t, v):
        return
    services = await catalog.list_services(uow=uow.read(), active_only=True)
    await cq.answer()
    await say_under(cq, uow, t, "Какая услуга на самом деле?", reply_markup=pick_kb(
        [(s.name, PickCb(a="rsvc", t=t, v=v, x=str(s.id))) for s in services]))


@router.callback_query(PickCb.filter(F.a == "rsvc"))
async def on_service(cq: CallbackQuery, callback_data: PickCb, uow: UowFactory, bot: Bot, tz: ZoneInfo) -> None:
    t, v = callback_data.t, callback_data.v
    if not await checked(cq, uow, bot, tz, t, v):
        return
    service = await _service(uow, callback_data.x)
    if service is None:
        await cq.answer("Эта услуга больше недоступна.", show_alert=True)
        return
    await cq.answer()
    if isinstance(cq.message, Message):
        await cq.message.edit_text(f"Вид обращения в услуге «{service.name}»:", reply_markup=pick_kb(
            [(type_name(rt), PickCb(a="rtype", t=t, v=v, x=f"{service.id}{SEP}{rt}"))
             for rt in service.request_types]))


@router.callback_query(PickCb.filter(F.a == "rtype"))
async def on_type(cq: CallbackQuery, callback_data: PickCb, staff_id: int, uow: UowFactory, bot: Bot,
                  tz: ZoneInfo) -> None:
    t, v = callback_data.t, callback_data.v
    if not await checked(cq, uow, bot, tz, t, v):
        return
    sid, _, rtype = callback_data.x.partition(SEP)
    service = await _service(uow, sid)
    if service is None:
        await cq.answer("Эта услуга больше недоступна.", show_alert=True)
        return
    if await apply_press(cq, uow, ticket_id=t, action="reclassify", staff_id=staff_id,
                         params={"service": service.code, "type": rtype}):
        await cq.answer("Готово: услуга и вид обращения изменены.")
        if isinstance(cq.message, Message):
            await cq.message.edit_text(f"🔀 Переклассифицировано: «{escape(service.name)}», {type_name(rtype)}.")


async def _service(uow: UowFactory, sid: str) -> Service | None:
    """An active service by the id a choice carried."""
    return next((s for s in await catalog.list_services(uow=uow.read(), active_only=True) if str(s.id) == sid), None)

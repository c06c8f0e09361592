"""«🚀 Решить релизом» on a card in a line chat: the ticket waits for an announced release of its service and is
resolved when it is installed (003 «Решение обращения»), as `/release SD-… <no.> <item>` does.

Press → the service's open releases (core.planned.releases.open_releases, the list /release shows) → the
configuration item the installation resolves it with, typed as the card's other text steps are → the lifecycle's
link_release (handlers/card_buttons.py applies it). Shown only while the ticket is in work and its service has an
announced, unfinished release; who may press is checked as for the card's other buttons.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.callbacks import CardCb, PickCb
from core.planned.releases import open_releases
from core.staffdesk import cards
from core.uow import UowFactory
from handlers.card_buttons import ask_text
from handlers.card_steps import GROUPS, LineStaff, checked, pick_kb, say_under

router = Router(name="card-release")
router.callback_query.filter(F.message.chat.type.in_(GROUPS), LineStaff())
SHOWN = 10


@router.callback_query(CardCb.filter(F.a == "rel"))
async def on_release(cq: CallbackQuery, callback_data: CardCb, uow: UowFactory, bot: Bot, tz: ZoneInfo) -> None:
    t, v = callback_data.t, callback_data.v
    if not await checked(cq, uow, bot, tz, t, v):
        return
    f = await cards.facts_of(uow=uow.read(), ticket_id=t)
    works = [w for w in await open_releases(uow=uow.read(), service_code=f.service_code)
             if w.id != f.release_id] if f is not None else []
    if not works:
        await cq.answer("У сервиса нет объявленных релизов: релиз объявляют в чате работ (/works).", show_alert=True)
        return
    await cq.answer()
    await say_under(cq, uow, t, "Какой релиз решит обращение?", reply_markup=pick_kb(
        [(f"№{w.id}: {w.title[:40]} — {w.ends_at.astimezone(tz):%d.%m %H:%M}",
          PickCb(a="rel", t=t, v=v, x=str(w.id))) for w in works[:SHOWN]]))


@router.callback_query(PickCb.filter(F.a == "rel"))
async def on_pick(cq: CallbackQuery, callback_data: PickCb, uow: UowFactory, bot: Bot, tz: ZoneInfo,
                  state: FSMContext) -> None:
    t, v, x = callback_data.t, callback_data.v, callback_data.x
    if not await checked(cq, uow, bot, tz, t, v):
        return
    if not x.isdigit():
        await cq.answer("Кнопка не распознана.", show_alert=True)
        return
    await ask_text(cq, uow, state, step="relci", t=t, v=v, rel=x)

"""A report on a service with an open outage: its notice first, «Это моя проблема» or «У меня другое».

«Это моя проблема» files a short ticket linked to the outage (core.outages.affected): no full intake for the user,
no duplicate work for staff, and the user hears of the restoration like everyone told. «У меня другое» goes on
with the normal dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.keyboards import Button, RepCb, inline, main_menu, nav_row
from bot.states import ReportSG
from bot.texts import _
from core.catalog.models import User
from core.errors import Conflict, NotFound
from core.outages.affected import report_affected
from core.outages.matching import match_outages
from core.outages.models import Outage
from core.outages.service import open_outages
from core.uow import UowFactory
from handlers import common, services
from handlers import report_steps as steps
from handlers.common import Event, refuse_button, say
from kb.service import KnowledgeBase

router = Router(name="report_outage")
SHOWN = 3  # outages offered at once; more than that on one service is not a normal day


def _at(o: Outage, tz: ZoneInfo) -> str:
    return f"{o.started_at.astimezone(tz):%d.%m %H:%M}"


async def offer_for_text(message: Message, state: FSMContext, *, uow: UowFactory, kb: KnowledgeBase | None,
                         tz: ZoneInfo, text: str) -> bool:
    """Free text that describes an open outage gets its notice first; False when none matches."""
    open_ = await open_outages(uow=uow.read())
    if not open_:
        return False
    names = {s.code: [s.name, s.code] for s in await services.active_services(uow)}
    matches = match_outages(text, open_, terms=_terms(kb), service_names=names)
    if not matches:
        return False
    await state.update_data(svc=matches[0].service_code)
    # «У меня другое» here is the report with the user's text, as «Создать обращение» would start it
    await offer(message, state, [m.outage for m in matches], tz, other=RepCb(a="new_ft"))
    return True


def _terms(kb: KnowledgeBase | None) -> Callable[[str], set[str]]:
    if kb is not None:
        analyzer = kb.index.analyzer
        return lambda t: {term for term, _w in analyzer.terms(t, drop_stop=True)}
    return lambda t: {w for w in t.lower().split() if len(w) > 3}


async def offer(event: Event, state: FSMContext, outages: list[Outage], tz: ZoneInfo, *,
                other: RepCb | None = None) -> None:
    """Shows the open outages of the chosen service with the two ways on."""
    await state.set_state(ReportSG.outage)
    await state.update_data(o_shown=[o.id for o in outages[:SHOWN]])
    lines = [_("⚠️ <b>Сейчас на этом сервисе авария</b> — возможно, это она:")]
    rows: list[list[Button]] = []
    for o in outages[:SHOWN]:
        line = _("• <b>{title}</b>, с {start}").format(title=escape(o.title), start=_at(o, tz))
        if o.what:
            line += "\n" + _("Не работает: {what}").format(what=escape(o.what))
        if o.expected_at is not None:
            line += "\n" + _("Ожидаемое восстановление: {eta}").format(
                eta=f"{o.expected_at.astimezone(tz):%d.%m %H:%M}")
        lines.append(line)
        label = _("🙋 Это моя проблема") if len(outages) == 1 else _("🙋 Это моя: {title}").format(title=o.title[:30])
        rows.append([(label, RepCb(a="om", v=str(o.id)))])
    lines.append(_("Если это ваша проблема, подробности не нужны: мы уже работаем и сообщим, когда всё "
                   "восстановится."))
    rows.append([(_("📝 У меня другое"), other or RepCb(a="oo"))])
    rows.append(nav_row())
    await say(event, "\n\n".join(lines), inline(rows))


@router.callback_query(ReportSG.outage, RepCb.filter(F.a == "om"))
async def on_mine(call: CallbackQuery, callback_data: RepCb, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                  user: User) -> None:
    if not callback_data.v.isdigit():
        await refuse_button(call, "outage id is not a number")
        return
    data = await state.get_data()
    try:
        ticket, new = await report_affected(uow=uow(), outage_id=int(callback_data.v), user_id=user.id,
                                            service_code=data["svc"])
    except (NotFound, Conflict):
        # restored meanwhile (or a forged id): the normal report is what is left
        await say(call, _("Эта авария уже устранена. Если проблема осталась — опишите её, пожалуйста."))
        await steps.ask_type(call, state, uow)
        return
    await state.clear()
    number = escape(ticket.number or "")
    if new:
        text = _("✅ Обращение <b>{number}</b> зарегистрировано и связано с аварией. Подробности не нужны: "
                 "специалисты уже работают, я напишу, когда работа восстановится.").format(number=number)
        due = await common.deadline_text(uow, tz, ticket.id)
        if due:
            text += "\n" + escape(due) + "."
    else:
        text = _("Вы уже сообщили об этой аварии: обращение <b>{number}</b>. Я напишу, когда работа "
                 "восстановится.").format(number=number)
    await say(call, text, main_menu())


@router.callback_query(ReportSG.outage, RepCb.filter(F.a == "oo"))
async def on_other(call: CallbackQuery, state: FSMContext, uow: UowFactory) -> None:
    data = await state.get_data()
    await state.update_data(o_no=[*data.get("o_no", []), *data.get("o_shown", [])])
    await steps.ask_type(call, state, uow)

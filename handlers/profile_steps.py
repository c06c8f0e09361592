"""The profile steps other dialogs start: the first question of the profile, and the organisation.

The report dialog needs them (an incomplete profile, a service under contract) and the profile dialog
continues into the report, so they live here, below both.
"""

from __future__ import annotations

from datetime import date
from html import escape
from zoneinfo import ZoneInfo

from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message

from bot.keyboards import ProfCb, RepCb, inline, main_menu
from bot.states import ProfileSG
from bot.texts import _
from core.catalog import service as catalog
from core.catalog.models import Organisation
from core.db import utcnow
from core.errors import ContractRequired
from core.tickets.contract import check_organisation
from core.uow import UowFactory
from handlers import services
from handlers.common import Event, drop_keyboard_of, say


async def begin_profile(event: Event, state: FSMContext) -> None:
    """Asks the full name, the first of the profile questions."""
    await state.set_state(ProfileSG.full_name)
    await say(event, _("Как вас зовут? Напишите фамилию, имя и отчество.\nНапример: <i>Иванов Иван Иванович</i>"))


async def ask_organisation(event: Event, state: FSMContext, uow: UowFactory, *, ret: str) -> None:
    """Asks the organisation (a list, or a typed name or part of it); `ret` says where to go next."""
    orgs = await catalog.list_organisations(uow=uow())
    if not orgs:
        # nothing to choose from: waiting in this step would only answer «не нашёл» to every name
        await state.clear()
        await say(event, _("В справочнике поддержки пока нет ни одной организации, поэтому выбрать её не из чего, "
                           "а обращение по договору сопровождения принять нельзя. Попросите менеджера вашего "
                           "договора передать в поддержку название организации и срок договора — после этого её "
                           "можно будет выбрать здесь или в профиле («🏢 Организация»). Другие способы связаться "
                           "с поддержкой — в /help."), main_menu())
        return
    await state.update_data(org_return=ret)
    await state.set_state(ProfileSG.organisation)
    sent = await say(event, _("Выберите вашу организацию из списка или напишите её название (можно часть)."),
                     org_buttons(orgs[:30]))
    await state.update_data(pf_kb=sent.message_id)


async def typed_instead(message: Message, state: FSMContext) -> None:
    """A profile step's choice typed instead of pressed: the buttons of its question (`pf_kb`) go, once."""
    mid = (await state.get_data()).get("pf_kb")
    if mid:
        await state.update_data(pf_kb=None)
        await drop_keyboard_of(message, int(mid))


def org_buttons(orgs: list[Organisation]) -> InlineKeyboardMarkup | None:
    return inline([[(o.name[:60], ProfCb(a="orgpick", v=str(o.id)))] for o in orgs]) if orgs else None


async def contract_refused(event: Event, state: FSMContext, uow: UowFactory, tz: ZoneInfo, *, org: Organisation,
                           service_code: str, ret: str) -> bool:
    """Tells, right when the organisation is known and before any detail is asked, that it has no valid support
    contract for the service (DOMAIN: the desk checks it before helping); True when it was refused."""
    svc = await services.get_service(uow, service_code)
    try:
        check_organisation(service=svc, org=org, on=utcnow(), tz=tz)
    except ContractRequired as exc:
        day = exc.details.get("day")
        await state.update_data(org_return=ret)
        await state.set_state(ProfileSG.organisation)  # another name can be typed right away
        await say(event, "⛔ " + _("У организации «{org}» нет действующего договора сопровождения сервиса «{svc}» на "
                                  "{day}, поэтому обращение принять нельзя. Обратитесь к менеджеру вашего договора "
                                  "или выберите другую организацию.").format(
            org=escape(org.name), svc=escape(svc.name), day=f"{day:%d.%m.%Y}" if isinstance(day, date) else ""),
            inline([[(_("🏢 Изменить организацию"), ProfCb(a="org", v=ret))], [(_("✖️ Отмена"), RepCb(a="cancel"))]]))
        return True
    return False

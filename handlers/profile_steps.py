"""The profile steps other dialogs start: the first question of the profile, and the organisation.

The report dialog needs them (an incomplete profile, a service under contract) and the profile dialog
continues into the report, so they live here, below both.
"""

from __future__ import annotations

from aiogram.fsm.context import FSMContext

from bot.keyboards import ProfCb, inline
from bot.states import ProfileSG
from bot.texts import _
from core.catalog import service as catalog
from core.uow import UowFactory
from handlers.common import Event, say


async def begin_profile(event: Event, state: FSMContext) -> None:
    """Asks the full name, the first of the profile questions."""
    await state.set_state(ProfileSG.full_name)
    await say(event, _("Как вас зовут? Напишите фамилию, имя и отчество.\nНапример: <i>Иванов Иван Иванович</i>"))


async def ask_organisation(event: Event, state: FSMContext, uow: UowFactory, *, ret: str) -> None:
    """Asks the organisation (a list, or a typed name that must match); `ret` says where to go next."""
    orgs = await catalog.list_organisations(uow=uow())
    await state.update_data(org_return=ret)
    await state.set_state(ProfileSG.organisation)
    rows = [[(o.name[:60], ProfCb(a="orgpick", v=str(o.id)))] for o in orgs[:30]]
    await say(event, _("Выберите вашу организацию из списка или напишите её название."), inline(rows) if rows else None)

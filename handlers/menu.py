"""Main menu dispatch: the reply-keyboard buttons (in either language) and /commands work in any state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.keyboards import BTN_HELP, BTN_KB, BTN_MY, BTN_OUTAGES, BTN_PROFILE, BTN_REPORT, Btn, main_menu
from bot.texts import _
from core.catalog.models import User
from core.settings import Settings
from core.uow import UowFactory
from core.verification.codes import Policy
from handlers import kb, my_requests, report_steps, start
from kb.service import KnowledgeBase

router = Router(name="menu")
# what the outage part registers (root.outages_provider): what is known for this user (HTML), or None
OutagesProvider = Callable[[User], Awaitable[str | None]]


@router.message(Command("cancel"))
async def on_cancel(message: Message, state: FSMContext) -> None:
    had = await state.get_state()
    await state.clear()
    await message.answer(_("Диалог прерван, ничего не отправлено.") if had else _("Сейчас нечего прерывать."),
                         reply_markup=main_menu())


@router.message(Btn(BTN_REPORT))
@router.message(Command("report"))
async def on_report(message: Message, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None,
                    user: User, settings: Settings) -> None:
    await report_steps.start_report(message, state, uow, kb, user, policy=Policy.of(settings))


@router.message(Btn(BTN_MY))
@router.message(Command("my"))
async def on_my(message: Message, state: FSMContext, uow: UowFactory, tz: ZoneInfo, user: User) -> None:
    await state.clear()
    await my_requests.show_list(message, uow, tz, user, page=0)


@router.message(Btn(BTN_KB))
@router.message(Command("kb"))
async def on_kb(message: Message, state: FSMContext) -> None:
    await state.clear()
    await kb.begin(message, state)


@router.message(Btn(BTN_OUTAGES))
@router.message(Command("outages"))
async def on_outages(message: Message, state: FSMContext, user: User, outages: OutagesProvider | None = None) -> None:
    text = await outages(user) if outages is not None else None
    await message.answer(text or _("Сейчас нет известных аварий и плановых работ. Если у вас что-то не работает — "
                                   "сообщите о проблеме."), reply_markup=main_menu())


@router.message(Btn(BTN_PROFILE))
@router.message(Command("profile"))
async def on_profile(message: Message, state: FSMContext, user: User) -> None:
    await state.clear()
    await start.show_profile(message, user)


@router.message(Btn(BTN_HELP))
@router.message(Command("help"))
async def on_help(message: Message, uow: UowFactory) -> None:
    await start.show_help(message, uow)

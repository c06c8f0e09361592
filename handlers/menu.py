"""Main menu dispatch: the reply-keyboard buttons (in either language) and /commands work in any state."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.keyboards import BTN_HELP, BTN_KB, BTN_MY, BTN_OUTAGES, BTN_PROFILE, BTN_REPORT, Btn, main_menu
from bot.texts import _
from core.catalog.models import User
from handlers import kb, my_requests, report, start

router = Router(name="menu")


@router.message(Command("cancel"))
async def on_cancel(message: Message, state: FSMContext) -> None:
    had = await state.get_state()
    await state.clear()
    await message.answer(_("Диалог прерван, ничего не отправлено.") if had else _("Сейчас нечего прерывать."),
                         reply_markup=main_menu())


@router.message(Btn(BTN_REPORT))
@router.message(Command("report"))
async def on_report(message: Message, state: FSMContext, root: Any, user: User) -> None:
    await report.start_report(message, state, root, user)


@router.message(Btn(BTN_MY))
@router.message(Command("my"))
async def on_my(message: Message, state: FSMContext, root: Any, user: User) -> None:
    await state.clear()
    await my_requests.show_list(message, root, user, page=0)


@router.message(Btn(BTN_KB))
@router.message(Command("kb"))
async def on_kb(message: Message, state: FSMContext) -> None:
    await state.clear()
    await kb.begin(message, state)


@router.message(Btn(BTN_OUTAGES))
@router.message(Command("outages"))
async def on_outages(message: Message, state: FSMContext, root: Any, user: User) -> None:
    # the outage part registers a provider returning what is known (HTML) or None
    provider = root.extras.get("outages_provider")
    text = await provider(root, user) if provider is not None else None
    await message.answer(text or _("Сейчас нет известных аварий и плановых работ. Если у вас что-то не работает — "
                                   "сообщите о проблеме."), reply_markup=main_menu())


@router.message(Btn(BTN_PROFILE))
@router.message(Command("profile"))
async def on_profile(message: Message, state: FSMContext, user: User) -> None:
    await state.clear()
    await start.show_profile(message, user)


@router.message(Btn(BTN_HELP))
@router.message(Command("help"))
async def on_help(message: Message) -> None:
    await start.show_help(message)

"""FSM states of the user dialogs; everything a dialog needs lives in FSM data (JSON), never in memory."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class ProfileSG(StatesGroup):
    full_name = State()
    login = State()
    region = State()
    region_other = State()
    organisation = State()


class VerifySG(StatesGroup):
    email = State()
    code = State()


class ReportSG(StatesGroup):
    service = State()
    outage = State()  # the chosen service has an open outage: its notice first
    rtype = State()
    field = State()
    impact = State()
    priority = State()
    kb = State()
    summary = State()


class KbSG(StatesGroup):
    query = State()


class MyReqSG(StatesGroup):
    comment = State()
    answer = State()
    reject = State()

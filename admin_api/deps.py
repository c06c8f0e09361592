"""The services the routes use, given by the composition root to create_app and injected per parameter.

A route names what it needs (`uow: Uow`, `tz: Tz`, `kb: Kb`); nothing reaches for the whole root.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

from core.settings import Settings
from core.staffdesk.port import TelegramLink
from core.uow import UowFactory
from kb.service import KnowledgeBase


@dataclass(frozen=True)
class ApiServices:
    settings: Settings
    uow: UowFactory
    tz: ZoneInfo
    kb: KnowledgeBase
    # the bot's side of staff invitations and chat checks; its port is empty in an API-only process
    telegram: TelegramLink = field(default_factory=TelegramLink)


def services_of(request: Request) -> ApiServices:
    """The services the app was built with."""
    services: ApiServices = request.app.state.services
    return services


def get_uow(request: Request) -> UowFactory:
    return services_of(request).uow


def get_tz(request: Request) -> ZoneInfo:
    return services_of(request).tz


def get_kb(request: Request) -> KnowledgeBase:
    return services_of(request).kb


def get_settings(request: Request) -> Settings:
    return services_of(request).settings


Uow = Annotated[UowFactory, Depends(get_uow)]
Tz = Annotated[ZoneInfo, Depends(get_tz)]
Kb = Annotated[KnowledgeBase, Depends(get_kb)]
AppSettings = Annotated[Settings, Depends(get_settings)]

"""Reference data of the regulations: the five services and the line groups."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.catalog.models import LineGroup, Service
from core.uow import UnitOfWork

LINES = [
    ("line1", "1ЛТП (Service Desk)", 1),
    ("line2", "2ЛТП (эксплуатация)", 2),
    ("line3", "3ЛТП (разработка)", 3),
    ("dev", "Группа развития", 4),
]

SERVICES: list[dict[str, Any]] = [
    {"code": "omnichat", "name": "ОмниЧат", "description": "Омниканальный чат контакт-центра"},
    {"code": "crm-b2c", "name": "CRM B2C", "description": "CRM для массового сегмента"},
    {"code": "nttm", "name": "NTTM", "description": "Система управления сетевыми инцидентами (trouble tickets)"},
    {"code": "clm", "name": "CLM", "description": "Управление жизненным циклом клиента"},
    {"code": "tecon", "name": "ТЕКОН-Диспетчеризация", "description": "Диспетчеризация и учёт ресурсов объектов",
     "sla_policy": "tecon", "calendar": "24x7", "requires_contract": True},
]


async def seed_catalog(*, uow: UnitOfWork) -> int:
    """Creates the line groups and the services of the regulations that are missing; returns how many."""
    async with uow:
        added = 0
        have_lines = set((await uow.session.scalars(select(LineGroup.code))).all())
        for code, name, order in LINES:
            if code not in have_lines:
                uow.session.add(LineGroup(code=code, name=name, order=order))
                added += 1
        have = set((await uow.session.scalars(select(Service.code))).all())
        for spec in SERVICES:
            if spec["code"] not in have:
                uow.session.add(Service(**spec))
                added += 1
        await uow.commit()
        return added

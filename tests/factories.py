"""Builders of valid domain objects for tests."""

from __future__ import annotations

from typing import Any

from core.catalog import service as catalog
from core.catalog.models import Staff, User
from core.tickets import service as tickets
from core.tickets.models import Ticket

# what staff give when they resolve (003 «Решение обращения»): a code and an item of the seeded catalog
CLOSING: dict[str, str] = {"closing_code": "resolved", "config_item": "Данные / NTTM"}
INCIDENT_FIELDS: dict[str, Any] = {
    "steps": "Открыл карточку клиента, нажал «Сохранить»",
    "expected": "Карточка сохраняется",
    "actual": "Ошибка 500 Internal Server Error",
    "occurred_at": "сейчас",
    "affected_users": "one",
    "examples": "ЛС 123456789",
}


async def user(root: Any, *, tg_id: int | None = 1001, login: str = "i.ivanov", **kw: Any) -> User:
    return await catalog.upsert_user(uow=root.uow(), tg_id=tg_id, full_name=kw.pop("full_name", "Иванов Иван"),
                                     login=login, email=kw.pop("email", f"{login}@example.ru"),
                                     region=kw.pop("region", "МРФ Центр"), **kw)


async def staff(root: Any, *, line: str = "line2", tg_id: int = 5001, coordinator: bool = False,
                manager: bool = False) -> Staff:
    return await catalog.create_staff(uow=root.uow(), line_code=line,
                                      user={"tg_id": tg_id, "full_name": f"Сотрудник {tg_id}"},
                                      is_coordinator=coordinator, is_service_manager=manager)


async def incident(root: Any, requester: User, *, service: str = "nttm", priority: int = 3, **kw: Any) -> Ticket:
    return await tickets.register(uow=root.uow(), service_code=service, request_type="incident",
                                  priority=priority, requester_id=requester.id, fields={**INCIDENT_FIELDS, **kw})

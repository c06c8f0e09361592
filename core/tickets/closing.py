"""The closing fields of 003 «Решение обращения»: closing codes and configuration items (a catalog), and the check
every path into «Закрыто» passes: a code, a solution and a configuration item.

Staff give the three when they resolve; the requester's confirmation and the auto-close close with them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.models import Service
from core.errors import Conflict, NotFound, ValidationFailed
from core.tickets.models import ClosingCode, ConfigItem, Ticket
from core.uow import UnitOfWork

# the codes the ticket card's resolution form has always offered, and the outage restoration's
SEED_CODES = (("resolved", "Решено"), ("not_reproducible", "Не воспроизводится"), ("rejected", "Отклонено"),
              ("duplicate", "Дубликат"), ("consultation", "Консультация оказана"),
              ("impossible", "Невозможно выполнить"))
# classes of problems per service (003: «поле для фиксирования класса проблемы»); «Авария» is shared
# the codes the desk sets itself, picked by nobody from the catalog: their names as a card shows them
SYSTEM_CODES = {"confirmed": "Подтверждено пользователем", "cancelled": "Отменено пользователем",
                "curator_rejected": "Отказано куратором МРФ"}
SEED_CLASSES = ("Интеграция", "Доступ", "Данные", "Интерфейс", "Производительность", "Консультация")
SHORT_NAMES = {"omnichat": "ОмниЧат", "crm-b2c": "CRM B2C", "nttm": "NTTM", "clm": "CLM", "tecon": "ТЕКОН"}
OUTAGE_ITEM, OUTAGE_CODE = "Авария", "resolved"
HINTS = {
    "closing_code": "Код закрытия: один из справочника кодов закрытия (GET /api/v1/closing-codes)",
    "solution": "Решение: что было сделано, или причина, по которой обращение не выполнено",
    "config_item": "Конфигурационная единица: класс проблемы из справочника (GET /api/v1/config-items)",
}


async def seed(session: AsyncSession) -> int:
    """Adds the built-in codes and items that are missing (no commit); returns how many."""
    added = 0
    have = set((await session.scalars(select(ClosingCode.code))).all())
    for order, (code, name) in enumerate(SEED_CODES):
        if code not in have:
            session.add(ClosingCode(code=code, name=name, order=order))
            added += 1
    if not await session.scalar(select(func.count()).select_from(ConfigItem)):
        session.add(ConfigItem(name=OUTAGE_ITEM, service_code=None))
        for service, short in SHORT_NAMES.items():
            session.add_all(ConfigItem(name=f"{c} / {short}", service_code=service) for c in SEED_CLASSES)
        added += 1 + len(SHORT_NAMES) * len(SEED_CLASSES)
    return added


async def code_name(session: AsyncSession, code: str) -> str:
    """A closing code by its name: the catalog's (even if turned off), else the built-in one, else the code."""
    row = await session.get(ClosingCode, code)
    if row is not None and row.name:
        return row.name
    return dict(SEED_CODES).get(code) or SYSTEM_CODES.get(code, code)


async def _code(session: AsyncSession, value: str) -> ClosingCode | None:
    row = await session.get(ClosingCode, value)
    return row if row is not None and row.active else None


async def _item(session: AsyncSession, *, name: str, service_code: str) -> ConfigItem | None:
    rows = (await session.scalars(select(ConfigItem).where(
        ConfigItem.active.is_(True),
        (ConfigItem.service_code == service_code) | ConfigItem.service_code.is_(None)))).all()
    wanted = " ".join(name.split()).casefold()
    return next((r for r in rows if " ".join(r.name.split()).casefold() == wanted), None)


async def closing_fields(session: AsyncSession, *, ticket: Ticket, params: dict[str, Any],
                         solution: str | None) -> dict[str, str]:
    """The three closing fields: the code and the item from `params` (checked against the catalog) else the
    ticket's own, and `solution`; a 422 naming each one missing or unknown."""
    service = await session.get(Service, ticket.service_id)
    code_in = str(params.get("closing_code") or "").strip()
    item_in = str(params.get("config_item") or "").strip()
    problems: dict[str, str] = {}
    code, item = ticket.closing_code, ticket.config_item
    if code_in:
        code = code_in if await _code(session, code_in) is not None else None
        if code is None:
            problems["closing_code"] = f"Код закрытия «{code_in}» не найден в справочнике"
    if item_in:
        found = await _item(session, name=item_in, service_code=service.code if service else "")
        item = found.name if found is not None else None
        if found is None:
            problems["config_item"] = f"Конфигурационная единица «{item_in}» не найдена в справочнике сервиса"
    solution = str(solution or "").strip()
    for key, value in (("closing_code", code), ("solution", solution), ("config_item", item)):
        if not value and key not in problems:
            problems[key] = HINTS[key]
    if problems:
        raise ValidationFailed("closing needs a closing code, a solution and a configuration item", fields=problems)
    assert code and solution and item
    return {"closing_code": code, "solution": solution, "config_item": item}


# --- the catalog's use cases (admin API) ---


async def list_codes(*, uow: UnitOfWork, active_only: bool = False) -> list[ClosingCode]:
    """Closing codes in their order."""
    async with uow:
        q = select(ClosingCode).order_by(ClosingCode.order, ClosingCode.code)
        if active_only:
            q = q.where(ClosingCode.active.is_(True))
        return list((await uow.session.scalars(q)).all())


async def create_code(*, uow: UnitOfWork, code: str, name: str, order: int = 0, active: bool = True) -> ClosingCode:
    """Adds a closing code."""
    async with uow:
        if await uow.session.get(ClosingCode, code) is not None:
            raise Conflict(f"closing code '{code}' already exists")
        row = ClosingCode(code=code, name=name, order=order, active=active)
        uow.session.add(row)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"closing code '{code}' already exists") from exc
        return row


async def update_code(*, uow: UnitOfWork, code: str, changes: dict[str, Any]) -> ClosingCode:
    """Renames, reorders, turns off or on a closing code."""
    async with uow:
        row = await uow.session.get(ClosingCode, code)
        if row is None:
            raise NotFound(f"closing code '{code}' not found")
        for key in ("name", "order", "active"):
            if key in changes:
                setattr(row, key, changes[key])
        await uow.commit()
        return row


async def delete_code(*, uow: UnitOfWork, code: str) -> None:
    """Removes a closing code (closed tickets keep the code they were closed with)."""
    async with uow:
        row = await uow.session.get(ClosingCode, code)
        if row is None:
            raise NotFound(f"closing code '{code}' not found")
        await uow.session.delete(row)
        await uow.commit()


async def list_items(*, uow: UnitOfWork, service_code: str | None = None) -> list[ConfigItem]:
    """Configuration items, of one service (with the shared ones) or all."""
    async with uow:
        q = select(ConfigItem).order_by(ConfigItem.service_code.is_(None), ConfigItem.service_code, ConfigItem.name)
        if service_code:
            q = q.where((ConfigItem.service_code == service_code) | ConfigItem.service_code.is_(None))
        return list((await uow.session.scalars(q)).all())


async def _check_item(uow: UnitOfWork, *, name: str, service_code: str | None, item_id: int | None) -> None:
    if service_code is not None and (await uow.session.scalar(
            select(Service.id).where(Service.code == service_code))) is None:
        raise ValidationFailed(f"unknown service '{service_code}'",
                               fields={"service_code": f"Сервис «{service_code}» не найден"})
    scope = ConfigItem.service_code.is_(None) if service_code is None else ConfigItem.service_code == service_code
    rows = (await uow.session.scalars(select(ConfigItem).where(scope, ConfigItem.id != (item_id or 0)))).all()
    if any(r.name.casefold() == name.casefold() for r in rows):  # SQLite's lower() folds ASCII only
        raise Conflict(f"configuration item '{name}' already exists for {service_code or 'every service'}")


async def create_item(*, uow: UnitOfWork, name: str, service_code: str | None = None,
                      active: bool = True) -> ConfigItem:
    """Adds a configuration item (of one service, or shared when `service_code` is None)."""
    async with uow:
        name = " ".join(name.split())
        await _check_item(uow, name=name, service_code=service_code, item_id=None)
        row = ConfigItem(name=name, service_code=service_code, active=active)
        uow.session.add(row)
        await uow.commit()
        return row


async def update_item(*, uow: UnitOfWork, item_id: int, changes: dict[str, Any]) -> ConfigItem:
    """Renames, moves or turns off or on a configuration item."""
    async with uow:
        row = await uow.session.get(ConfigItem, item_id)
        if row is None:
            raise NotFound(f"configuration item {item_id} not found")
        name = " ".join(str(changes.get("name", row.name)).split())
        service_code = changes.get("service_code", row.service_code)
        await _check_item(uow, name=name, service_code=service_code, item_id=row.id)
        row.name, row.service_code = name, service_code
        if "active" in changes:
            row.active = bool(changes["active"])
        await uow.commit()
        return row


async def delete_item(*, uow: UnitOfWork, item_id: int) -> None:
    """Removes a configuration item (closed tickets keep the name they were closed with)."""
    async with uow:
        row = await uow.session.get(ConfigItem, item_id)
        if row is None:
            raise NotFound(f"configuration item {item_id} not found")
        await uow.session.delete(row)
        await uow.commit()

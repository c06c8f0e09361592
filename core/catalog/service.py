"""Catalog use cases: services, organisations, staff, user profiles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.catalog import people, repo
from core.catalog.intake import DEFAULT_INTAKE, FIELDS, RequestType
from core.catalog.models import LineGroup, Organisation, Service, Staff, SupportPeriod, User
from core.errors import Conflict, NotFound, ValidationFailed
from core.sla.builtin import BUILTIN_POLICIES
from core.sla.models import SlaCalendarRow, SlaPolicyRow
from core.uow import UnitOfWork

SERVICE_FIELDS = ("name", "description", "sla_policy", "calendar", "requires_contract", "intake",
                  "request_types", "routing", "type_priority", "autoclose", "confirmation_only",
                  "channels", "notice_subject", "notice_from", "active")


def _check_intake(intake: dict[str, Any]) -> dict[str, str]:
    bad = {t: [k for k in keys if k not in FIELDS] for t, keys in intake.items()}
    problems = {f"intake.{t}": "Неизвестные поля: " + ", ".join(ks) for t, ks in bad.items() if ks}
    problems |= {f"intake.{t}": "Неизвестный вид обращения" for t in intake if t not in RequestType.__members__}
    return problems


async def _check_config(uow: UnitOfWork, code: str, cfg: dict[str, Any]) -> None:
    """Refuses a service configuration that names what does not exist (422 naming it); nothing falls back."""
    problems = _check_intake(cfg.get("intake") or {})
    policies = set((await uow.session.scalars(select(SlaPolicyRow.code))).all()) or set(BUILTIN_POLICIES)
    calendars = set((await uow.session.scalars(select(SlaCalendarRow.code))).all()) or {"24x7", "msk-business"}
    if cfg.get("sla_policy") not in policies:
        problems["sla_policy"] = (f"Политика SLA «{cfg.get('sla_policy')}» не найдена; есть: "
                                  + ", ".join(sorted(policies)))
    if cfg.get("calendar") not in calendars:
        problems["calendar"] = f"Календарь «{cfg.get('calendar')}» не найден; есть: " + ", ".join(sorted(calendars))
    types = RequestType.__members__
    for t in cfg.get("request_types") or []:
        if t not in types:
            problems["request_types"] = f"Неизвестный вид обращения «{t}»"
    groups = {g.code: g for g in (await uow.session.scalars(select(LineGroup))).all()}
    for t, group in (cfg.get("routing") or {}).items():
        found = groups.get(group)
        if t not in types:
            problems[f"routing.{t}"] = "Неизвестный вид обращения"
        elif found is None or found.service_code not in (None, code):
            problems[f"routing.{t}"] = f"Группа «{group}» не найдена среди групп сервиса и общих групп"
    for t, prio in (cfg.get("type_priority") or {}).items():
        if t not in types or prio not in (1, 2, 3, 4):
            problems[f"type_priority.{t}"] = "Вид обращения из списка и приоритет от 1 до 4"
    if cfg.get("autoclose") and cfg.get("confirmation_only"):
        problems["autoclose"] = ("Сервис закрывает обращения только после подтверждения пользователя: "
                                 "автозакрытие для него не включается")
    if problems:
        raise ValidationFailed("bad service configuration: " + ", ".join(sorted(problems)), fields=problems)


async def list_services(*, uow: UnitOfWork, active_only: bool = False) -> list[Service]:
    """Every service, by code."""
    async with uow:
        q = select(Service).order_by(Service.id)
        if active_only:
            q = q.where(Service.active.is_(True))
        return list((await uow.session.scalars(q)).all())


async def get_service(*, uow: UnitOfWork, code: str) -> Service:
    """A service by code."""
    async with uow:
        service = await repo.service_by_code(uow.session, code)
        if service is None:
            raise NotFound(f"service '{code}' not found")
        return service


async def create_service(*, uow: UnitOfWork, code: str, name: str, **attrs: Any) -> Service:
    """Adds a service to the catalog."""
    async with uow:
        if await repo.service_by_code(uow.session, code):
            raise Conflict(f"service '{code}' already exists")
        cfg = {"sla_policy": "nttm", "calendar": "msk-business"} | {k: v for k, v in attrs.items()
                                                                    if k in SERVICE_FIELDS}
        await _check_config(uow, code, cfg)
        service = Service(code=code, name=name, **cfg)
        uow.session.add(service)
        await uow.commit()
        return service


async def update_service(*, uow: UnitOfWork, code: str, changes: dict[str, Any]) -> Service:
    """Changes the given attributes of a service."""
    async with uow:
        service = await repo.service_by_code(uow.session, code)
        if service is None:
            raise NotFound(f"service '{code}' not found")
        cfg = {k: getattr(service, k) for k in SERVICE_FIELDS} | {k: v for k, v in changes.items()
                                                                  if k in SERVICE_FIELDS}
        await _check_config(uow, code, cfg)
        for key, value in changes.items():
            if key in SERVICE_FIELDS:
                setattr(service, key, value)
        await uow.commit()
        return service


async def list_organisations(*, uow: UnitOfWork) -> list[Organisation]:
    """Every organisation with its support periods."""
    async with uow:
        return list((await uow.session.scalars(select(Organisation).order_by(Organisation.id))).all())


_QUOTES = str.maketrans({c: " " for c in "\"'«»“”„`"})


def _org_key(name: str) -> str:
    return " ".join(name.translate(_QUOTES).split()).casefold()


def match_organisations(orgs: list[Organisation], text: str) -> list[Organisation]:
    """The organisations a typed name means: the one named exactly, else every one whose name contains it
    (case, quotes and spacing ignored: «ромашка» finds «ООО "Ромашка"»)."""
    wanted = _org_key(text)
    if not wanted:
        return []
    exact = [o for o in orgs if _org_key(o.name) == wanted]
    return exact or [o for o in orgs if wanted in _org_key(o.name)]


def _periods(raw: list[dict[str, Any]]) -> list[SupportPeriod]:
    out = []
    for i, p in enumerate(raw):
        if p["valid_to"] < p["valid_from"]:
            raise ValidationFailed("period ends before it starts",
                                   fields={f"periods.{i}.valid_to": "Дата окончания не раньше даты начала"})
        out.append(SupportPeriod(valid_from=p["valid_from"], valid_to=p["valid_to"],
                                 service_code=p.get("service_code")))
    return out


async def create_organisation(*, uow: UnitOfWork, name: str, inn: str | None = None,
                              periods: list[dict[str, Any]] | None = None) -> Organisation:
    """Adds an organisation, optionally with support periods."""
    async with uow:
        org = Organisation(name=name, inn=inn, periods=_periods(periods or []))
        uow.session.add(org)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"organisation '{name}' already exists") from exc
        return org


async def get_organisation(*, uow: UnitOfWork, org_id: int) -> Organisation:
    """One organisation with its support periods."""
    async with uow:
        org = await uow.session.get(Organisation, org_id)
        if org is None:
            raise NotFound(f"organisation {org_id} not found")
        return org


async def update_organisation(*, uow: UnitOfWork, org_id: int, changes: dict[str, Any]) -> Organisation:
    """Changes name/inn; `periods`, when given, replaces the support periods."""
    async with uow:
        org = await uow.session.get(Organisation, org_id)
        if org is None:
            raise NotFound(f"organisation {org_id} not found")
        for key in ("name", "inn"):
            if key in changes:
                setattr(org, key, changes[key])
        if "periods" in changes:
            org.periods = _periods(changes["periods"] or [])
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"organisation '{changes.get('name')}' already exists") from exc
        return org


async def has_valid_contract(*, uow: UnitOfWork, org_id: int, service_code: str, on: date) -> bool:
    """Whether the organisation has a support period covering this day."""
    async with uow:
        org = await uow.session.get(Organisation, org_id)
        return org is not None and any(p.valid_from <= on <= p.valid_to and p.service_code in (None, service_code)
                                 for p in org.periods)


async def upsert_user(*, uow: UnitOfWork, tg_id: int | None = None, full_name: str | None = None,
                      login: str | None = None, email: str | None = None, region: str | None = None,
                      organisation_id: int | None = None, locale: str | None = None) -> User:
    """Finds a user by Telegram id, login or e-mail (in that order) and updates what is given.

    A login or e-mail another person has (whatever the case) is `IdentityTaken` naming the field, also when a
    concurrent registration takes it meanwhile; the transaction is rolled back, nothing of it is saved."""
    async with uow:
        user = await upsert_user_in(uow, tg_id=tg_id, full_name=full_name, login=login, email=email, region=region,
                                    organisation_id=organisation_id, locale=locale)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise people.taken_meanwhile(exc, login=login, email=email) from exc
        return user


async def upsert_user_in(uow: UnitOfWork, *, tg_id: int | None = None, full_name: str | None = None,
                         login: str | None = None, email: str | None = None, region: str | None = None,
                         organisation_id: int | None = None, locale: str | None = None) -> User:
    """upsert_user inside an already entered uow (no commit; flushed so the user has an id)."""
    return await people.upsert_in(uow, tg_id=tg_id, full_name=full_name, login=login, email=email, region=region,
                                  organisation_id=organisation_id, locale=locale)


async def list_staff(*, uow: UnitOfWork, line: str | None = None) -> list[Staff]:
    """Staff members, optionally of one line."""
    async with uow:
        q = select(Staff).order_by(Staff.id)
        if line:
            q = q.where(Staff.line_code == line)
        return list((await uow.session.scalars(q)).all())


async def _staff(uow: UnitOfWork, staff_id: int) -> Staff:
    staff = await uow.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"staff member {staff_id} not found")
    return staff


async def get_staff(*, uow: UnitOfWork, staff_id: int) -> Staff:
    """One staff member."""
    async with uow:
        return await _staff(uow, staff_id)


async def _check_line(uow: UnitOfWork, line_code: str) -> LineGroup:
    group = await uow.session.get(LineGroup, line_code)
    if group is None:
        codes = ", ".join(sorted((await uow.session.scalars(select(LineGroup.code))).all()))
        raise ValidationFailed(f"unknown group '{line_code}'", fields={"line_code": f"Группа: одна из {codes}"})
    return group


async def curator_systems(uow: UnitOfWork, codes: Sequence[str]) -> list[str]:
    """A curator's systems: known service codes, each once."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    known = set((await uow.session.scalars(select(Service.code).where(Service.code.in_(wanted)))).all())
    if unknown := [c for c in wanted if c not in known]:
        raise ValidationFailed(f"unknown services: {', '.join(unknown)}",
                               fields={"curator_services": "Системы куратора: коды сервисов каталога"})
    return wanted


async def create_staff(*, uow: UnitOfWork, line_code: str, user: dict[str, Any], is_coordinator: bool = False,
                       is_service_manager: bool = False, curator_region: str | None = None,
                       curator_services: Sequence[str] = ()) -> Staff:
    """Adds a user (found or created) to a line group."""
    async with uow:
        group = await _check_line(uow, line_code)
        systems = await curator_systems(uow, curator_services)
        # found or created race-free: two records made at once for one Telegram id share one person; a login or
        # e-mail of another person is IdentityTaken (a Conflict: 409 naming the field)
        person = await people.upsert_in(uow, tg_id=user.get("tg_id"), full_name=user.get("full_name") or None,
                                        login=user.get("login"), email=user.get("email"), region=user.get("region"))
        staff = Staff(user_id=person.id, line_code=line_code, is_coordinator=is_coordinator,
                      is_service_manager=is_service_manager, curator_region=curator_region,
                      curator_services=systems, user=person, group=group)
        uow.session.add(staff)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"this user is already in {line_code}") from exc
        return staff


async def update_staff(*, uow: UnitOfWork, staff_id: int, changes: dict[str, Any]) -> Staff:
    """Changes flags or line of a staff member."""
    async with uow:
        staff = await _staff(uow, staff_id)
        if "line_code" in changes:
            # an unknown line would otherwise surface as a foreign-key error at commit
            staff.group = await _check_line(uow, changes["line_code"])
        for key in ("line_code", "is_coordinator", "is_service_manager", "curator_region", "active"):
            if key in changes:
                setattr(staff, key, changes[key])
        if changes.get("curator_services") is not None:
            staff.curator_services = await curator_systems(uow, changes["curator_services"])
        # the person behind the record: its Telegram account can be set and changed (409 when taken)
        await people.set_identity(uow, staff.user, {k: v for k, v in changes.items() if k in people.IDENTITY})
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"this user is already in {changes.get('line_code')}") from exc
        return staff


async def list_lines(*, uow: UnitOfWork) -> list[LineGroup]:
    """The line groups in order."""
    async with uow:
        return list((await uow.session.scalars(select(LineGroup).order_by(LineGroup.order))).all())


__all__ = ["DEFAULT_INTAKE"]

"""The support-contract check of a contract-bound service (ТЕКОН 002): registration and reclassification run it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.catalog.models import Organisation, Service, User
from core.errors import ContractRequired


def _covered(org: Organisation, *, service_code: str, day: date) -> bool:
    return any(p.valid_from <= day <= p.valid_to and p.service_code in (None, service_code) for p in org.periods)


def check_organisation(*, service: Service, org: Organisation, on: datetime, tz: ZoneInfo) -> None:
    """Refuses when the organisation has no support period of this contract-bound service covering `on`."""
    if not service.requires_contract:
        return
    day = on.astimezone(tz).date()
    if not _covered(org, service_code=service.code, day=day):
        raise ContractRequired(f"У организации «{org.name}» нет действующего договора сопровождения сервиса "
                               f"«{service.name}» на {day:%d.%m.%Y}. Обратитесь к вашему менеджеру договора.",
                               service=service.code, organisation=org.name, day=day)


def check_contract(*, service: Service, user: User, on: datetime, tz: ZoneInfo) -> None:
    """Refuses a contract-bound service when the organisation has no valid support period."""
    if not service.requires_contract:
        return
    org = user.organisation
    if org is None:
        raise ContractRequired(f"Сервис «{service.name}» обслуживается только по договору сопровождения. "
                               "Укажите организацию в профиле.", service=service.code)
    check_organisation(service=service, org=org, on=on, tz=tz)

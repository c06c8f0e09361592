"""The notices of an outage (HTML, every entered text escaped), in Russian and English."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from core.outages.models import Outage


def _at(dt: datetime | None, tz: ZoneInfo) -> str | None:
    return f"{dt.astimezone(tz):%d.%m.%Y %H:%M}" if dt is not None else None


def declared(o: Outage, names: list[str], tz: ZoneInfo) -> dict[str, str]:
    svc = escape(", ".join(names))
    start, eta = _at(o.started_at, tz), _at(o.expected_at, tz)
    ru = [f"⚠️ <b>Авария: {escape(o.title)}</b>", f"Сервис: {svc}"]
    en = [f"⚠️ <b>Outage: {escape(o.title)}</b>", f"Service: {svc}"]
    if o.what:
        ru.append(f"Не работает: {escape(o.what)}")
        en.append(f"Not working: {escape(o.what)}")
    ru.append(f"Начало: {start}")
    en.append(f"Started: {start}")
    ru.append(f"Ожидаемое восстановление: {eta}" if eta else "Срок восстановления уточняется.")
    en.append(f"Expected restoration: {eta}" if eta else "Restoration time to be announced.")
    ru.append("Мы уже работаем над этим; сообщать о проблеме повторно не нужно — мы сообщим о восстановлении.")
    en.append("We are working on it; no need to report it again — we will tell you when it is restored.")
    return {"ru": "\n".join(ru), "en": "\n".join(en)}


def updated(o: Outage, names: list[str], details: str | None, tz: ZoneInfo) -> dict[str, str]:
    eta, svc = _at(o.expected_at, tz), escape(", ".join(names))
    ru = [f"ℹ️ <b>Авария «{escape(o.title)}»: обновление</b>", f"Сервис: {svc}"]
    en = [f"ℹ️ <b>Outage «{escape(o.title)}»: update</b>", f"Service: {svc}"]
    if details:
        ru.append(escape(details))
        en.append(escape(details))
    if eta:
        ru.append(f"Ожидаемое восстановление: {eta}")
        en.append(f"Expected restoration: {eta}")
    return {"ru": "\n".join(ru), "en": "\n".join(en)}


def restored(o: Outage, names: list[str], tz: ZoneInfo) -> dict[str, str]:
    # which system is available again (003 «Восстановления доступности Системы»): a title need not name it
    at, svc = _at(o.restored_at, tz), escape(", ".join(names))
    ru = [f"✅ <b>Работа восстановлена: {escape(o.title)}</b>", f"Сервис: {svc}", f"Восстановлено: {at}"]
    en = [f"✅ <b>Service restored: {escape(o.title)}</b>", f"Service: {svc}", f"Restored: {at}"]
    if o.resolution:
        ru.append(f"Решение: {escape(o.resolution)}")
        en.append(f"Resolution: {escape(o.resolution)}")
    return {"ru": "\n".join(ru), "en": "\n".join(en)}


def menu_line(o: Outage, names: list[str], tz: ZoneInfo) -> str:
    """One outage in the «Аварии и работы» menu (Russian)."""
    eta = _at(o.expected_at, tz)
    text = f"⚠️ <b>{escape(o.title)}</b> ({escape(', '.join(names))}), с {_at(o.started_at, tz)}"
    if o.what:
        text += f"\nНе работает: {escape(o.what)}"
    return text + (f"\nОжидаемое восстановление: {eta}" if eta else "\nСрок восстановления уточняется.")

"""The notices of planned works and releases (HTML, every entered text escaped), in Russian and English."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from core.planned.models import PlannedWork, WorkKind

LATE = {"ru": "<i>Уведомление запоздало: бот был недоступен в назначенное время.</i>",
        "en": "<i>This notice is late: the bot was unavailable at the planned time.</i>"}
URGENT = {"ru": "❗ Срочные работы: объявлены менее чем за 24 часа до начала.",
          "en": "❗ Urgent: announced less than 24 hours before the start."}


def _at(dt: datetime, tz: ZoneInfo) -> str:
    return f"{dt.astimezone(tz):%d.%m.%Y %H:%M}"


def _name(w: PlannedWork) -> tuple[str, str]:
    if w.kind == WorkKind.release:
        return "Обновление (релиз)", "Release"
    return "Плановые работы", "Planned works"


def _head(w: PlannedWork, icon: str, ru: str, en: str, names: list[str]) -> tuple[list[str], list[str]]:
    kind_ru, kind_en = _name(w)
    svc = escape(", ".join(names))
    return ([f"{icon} <b>{kind_ru}: {escape(w.title)}</b> — {ru}", f"Сервис: {svc}"],
            [f"{icon} <b>{kind_en}: {escape(w.title)}</b> — {en}", f"Service: {svc}"])


def _details(w: PlannedWork, ru: list[str], en: list[str], tz: ZoneInfo) -> None:
    ru.append(f"Когда: {_at(w.starts_at, tz)} — {_at(w.ends_at, tz)}")
    en.append(f"When: {_at(w.starts_at, tz)} — {_at(w.ends_at, tz)}")
    if w.what:
        ru.append(f"Будет недоступно: {escape(w.what)}")
        en.append(f"Unavailable: {escape(w.what)}")
    if w.changes:
        items = "\n".join(f"• {escape(str(c))}" for c in w.changes)
        ru.append(f"Изменения:\n{items}")
        en.append(f"Changes:\n{items}")
    if w.urgent:
        ru.append(URGENT["ru"])
        en.append(URGENT["en"])


def _done(ru: list[str], en: list[str], late: bool) -> dict[str, str]:
    if late:
        ru.append(LATE["ru"])
        en.append(LATE["en"])
    return {"ru": "\n".join(ru), "en": "\n".join(en)}


def announced(w: PlannedWork, names: list[str], tz: ZoneInfo) -> dict[str, str]:
    ru, en = _head(w, "🛠", "запланированы", "scheduled", names)
    _details(w, ru, en, tz)
    return _done(ru, en, False)


def reminder(w: PlannedWork, names: list[str], tz: ZoneInfo, *, late: bool = False) -> dict[str, str]:
    ru, en = _head(w, "⏰", f"начнутся в {w.starts_at.astimezone(tz):%H:%M}",
                   f"start at {w.starts_at.astimezone(tz):%H:%M}", names)
    _details(w, ru, en, tz)
    return _done(ru, en, late)


def started(w: PlannedWork, names: list[str], tz: ZoneInfo, *, late: bool = False) -> dict[str, str]:
    ru, en = _head(w, "🚧", "начались", "started", names)
    ru.append(f"Окончание: {_at(w.ends_at, tz)}")
    en.append(f"Until: {_at(w.ends_at, tz)}")
    if w.what:
        ru.append(f"Недоступно: {escape(w.what)}")
        en.append(f"Unavailable: {escape(w.what)}")
    return _done(ru, en, late)


def ended(w: PlannedWork, names: list[str], tz: ZoneInfo, *, late: bool = False) -> dict[str, str]:
    ru, en = _head(w, "✅", "завершены", "completed", names)
    ru.append("Всё работает в обычном режиме. Если что-то не так — сообщите нам.")
    en.append("Everything works as usual. If something is wrong, tell us.")
    return _done(ru, en, late)


def extended(w: PlannedWork, names: list[str], tz: ZoneInfo) -> dict[str, str]:
    ru, en = _head(w, "⏳", "продлены", "extended", names)
    ru.append(f"Новое время окончания: {_at(w.ends_at, tz)}")
    en.append(f"New end: {_at(w.ends_at, tz)}")
    return _done(ru, en, False)


def cancelled(w: PlannedWork, names: list[str], tz: ZoneInfo) -> dict[str, str]:
    ru, en = _head(w, "❎", "отменены", "cancelled", names)
    if w.cancel_reason:
        ru.append(f"Причина: {escape(w.cancel_reason)}")
        en.append(f"Reason: {escape(w.cancel_reason)}")
    return _done(ru, en, False)


def menu_line(w: PlannedWork, names: list[str], tz: ZoneInfo) -> str:
    """One upcoming or running works in the «Аварии и работы» menu (Russian)."""
    kind_ru, _ = _name(w)
    text = (f"🛠 <b>{escape(w.title)}</b> ({escape(', '.join(names))}) — {kind_ru.lower()}, "
            f"{_at(w.starts_at, tz)} — {_at(w.ends_at, tz)}")
    return text + (f"\nБудет недоступно: {escape(w.what)}" if w.what else "")

"""Rendering for the user dialogs: ticket cards, history and deadlines in plain words (HTML, escaped)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n.core import I18n

from core.catalog.intake import CHOICE_NAMES, FIELDS, INTERNAL_FIELDS, TYPE_NAMES, FieldKind


def current_i18n() -> I18n | None:
    """The I18n of this update (set by the i18n middleware), None outside an update."""
    return I18n.get_current(no_error=True)


# The one `_` and `N_` of the bot: handlers, keyboards and locales/platform_msgids.py import them from here.
# `_` is aiogram's gettext (same context) except that outside an update it returns the Russian msgid
# instead of raising, so the same texts render outside an update (unit tests, startup).
def _(text: str) -> str:
    """gettext of the current update's locale; the Russian msgid itself without an i18n context."""
    i18n = current_i18n()
    return i18n.gettext(text) if i18n is not None else text


def N_(text: str) -> str:
    """Marks a msgid for pybabel without translating it here (translated where it is shown)."""
    return text


STATUS = {
    "assigned": N_("зарегистрировано, ждёт специалиста"),
    "in_progress": N_("в работе"),
    "waiting_user": N_("ждёт вашего ответа"),
    "resolved": N_("решено, ждёт вашего подтверждения"),
    "closed": N_("закрыто"),
    "cancelled": N_("отменено"),
}
HISTORY = {
    "register": N_("обращение зарегистрировано"),
    "take": N_("взято в работу"),
    "assign": N_("назначен специалист"),
    "return_to_coordinator": N_("передано координатору группы"),
    "return_to_line1": N_("возвращено на первую линию"),
    "escalate": N_("передано на следующую линию поддержки"),
    "request_info": N_("специалист задал вопрос"),
    "user_answers": N_("вы ответили на вопрос"),
    "diagnosis_done": N_("диагностика завершена"),
    "give_workaround": N_("предложено временное решение"),
    "resolve": N_("решено"),
    "confirm": N_("вы подтвердили решение"),
    "reject": N_("вы сообщили, что решение не помогло"),
    "cancel": N_("обращение отменено"),
    "close": N_("обращение закрыто"),
    "change_priority": N_("изменён приоритет"),
    "comment": N_("добавлен комментарий"),
    "open_op4": N_("открыт запрос ОП4: собраны диагностические данные"),
    "set_internal_incident": N_("получен номер внутреннего инцидента"),
    "reclassify": N_("уточнены сервис и вид обращения"),
    "link_external": N_("создана связанная заявка в поддержке смежной системы"),
    "link_release": N_("исправление войдёт в релиз (обновление системы): обращение будет решено при его установке"),
    "unlink_release": N_("обращение больше не ждёт релиза и снова в работе"),
    "requeue": N_("передано другим специалистам группы"),
    "curator_approve": N_("согласовано куратором МРФ, передано на выдачу доступа"),
    "curator_reject": N_("куратор МРФ отказал в доступе"),
}
PRIORITY = {1: N_("1 — критичный"), 2: N_("2 — высокий"), 3: N_("3 — средний"), 4: N_("4 — низкий")}
# ТЕКОН keeps its assistance level in the priority (ОП1 → 4 … ОП4 → 1), and users know the levels by name
TECON_LEVELS = {4: N_("ОП1 — типовой вопрос"), 3: N_("ОП2 — передача файлов, патчей, логов"),
                2: N_("ОП3 — сбой, есть инструкция"), 1: N_("ОП4 — сбой без инструкции")}


def priority_label(priority: int, policy: str | None = None) -> str:
    """The priority as users of that service know it: «2 — высокий», or «ОП3 — …» for ТЕКОН."""
    names = TECON_LEVELS if policy == "tecon" else PRIORITY
    return t(names[priority]) if priority in names else str(priority)
# genitive weekday names: «до 18:00 пятницы»
WEEKDAYS = (N_("понедельника"), N_("вторника"), N_("среды"), N_("четверга"), N_("пятницы"), N_("субботы"),
            N_("воскресенья"))


def locale() -> str:
    """The current dialog language, 'ru' or 'en'."""
    i18n = current_i18n()
    return "en" if i18n is not None and i18n.current_locale == "en" else "ru"


def t(msgid: str) -> str:
    """Translates a msgid marked with N_ (or returns it without an i18n context)."""
    return _(msgid)


AWAITING_CURATOR = N_("ждёт согласования куратора МРФ")
CURATOR_REJECTED = N_("отказано куратором МРФ")


def status_name(status: str, approval: str | None = None) -> str:
    """The status in the requester's words; an access request still with its МРФ curator says so."""
    if approval == "pending" and status == "assigned":
        return t(AWAITING_CURATOR)
    if approval == "rejected":
        return t(CURATOR_REJECTED)
    return t(STATUS.get(status, status))


def type_name(rtype: str) -> str:
    return TYPE_NAMES.get(rtype, {}).get(locale(), rtype)


def affected_name(code: str, lang: str | None = None) -> str:
    """The label of a choice value (массовость, среда, этап) in `lang`, else the dialog language."""
    return CHOICE_NAMES.get(code, {}).get(lang or locale(), code)


def when(dt: datetime, *, now: datetime, tz: ZoneInfo) -> str:
    """A deadline in plain words: «до 14:30», «до 14:30 завтра», «до 18:00 пятницы», «до 18:00 12.12»."""
    local, today = dt.astimezone(tz), now.astimezone(tz).date()
    hhmm = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days <= 0:
        return t(N_("до {time}")).format(time=hhmm) if days == 0 else t(N_("до {time} {date}")).format(
            time=hhmm, date=local.strftime("%d.%m"))
    if days == 1:
        return t(N_("до {time} завтра")).format(time=hhmm)
    if days < 7:
        return t(N_("до {time} {weekday}")).format(time=hhmm, weekday=t(WEEKDAYS[local.weekday()]))
    return t(N_("до {time} {date}")).format(time=hhmm, date=local.strftime("%d.%m"))


def deadlines_line(due: Mapping[str, datetime | None], *, now: datetime, tz: ZoneInfo) -> str:
    """«Ответим до 14:30, решим до 18:00 пятницы» from the SLA targets (empty when none is known)."""
    parts = []
    reaction = due.get("reaction")
    resolution = due.get("resolution") or due.get("solution") or due.get("permanent")
    if reaction is not None:
        parts.append(t(N_("ответим {when}")).format(when=when(reaction, now=now, tz=tz)))
    if resolution is not None:
        parts.append(t(N_("решим {when}")).format(when=when(resolution, now=now, tz=tz)))
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] if text else ""


def next_deadline(due: Mapping[str, datetime | None], *, now: datetime) -> datetime | None:
    """The earliest deadline still ahead."""
    ahead = [d for d in due.values() if d is not None and d >= now]
    return min(ahead) if ahead else None


def field_label(key: str, lang: str | None = None) -> str:
    spec = FIELDS.get(key)
    return spec.label[lang or locale()] if spec else key


def plain_value(key: str, value: Any, *, tz: ZoneInfo, lang: str | None = None) -> str:
    """A field value as the requester gave it (not escaped): a choice by the label it was picked by, a moment
    in local time «ДД.ММ.ГГГГ ЧЧ:ММ», a list joined. `lang` None: the dialog language."""
    spec = FIELDS.get(key)
    if spec is not None and spec.kind is FieldKind.choice:
        return affected_name(str(value), lang)
    if spec is not None and spec.kind is FieldKind.past_datetime and isinstance(value, str):
        try:
            return datetime.fromisoformat(value).astimezone(tz).strftime("%d.%m.%Y %H:%M")
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(getattr(v, "name", v)) for v in value)
    return str(value)


def field_value(key: str, value: Any, *, tz: ZoneInfo, limit: int = 600) -> str:
    """A field value for display (escaped, cut to `limit` characters so a card fits one message)."""
    text = plain_value(key, value, tz=tz)
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def fields_block(values: Mapping[str, Any], *, tz: ZoneInfo, order: Iterable[str] | None = None,
                 limit: int = 600) -> str:
    """Lines «<b>label</b>: value», each value cut to `limit` characters."""
    keys = list(order) if order is not None else list(values)
    return "\n".join(f"<b>{escape(field_label(k))}</b>: {field_value(k, values[k], tz=tz, limit=limit)}"
                     for k in keys if k in values and values[k] not in (None, "", []) and k not in INTERNAL_FIELDS)


def history_lines(history: Iterable[Any], *, tz: ZoneInfo) -> str:
    """«22.11 14:05 — взято в работу», one line per step."""
    lines = []
    for h in history:
        what = t(HISTORY.get(h.action, h.action))
        if h.action == "change_priority" and isinstance(h.details, dict) and h.details.get("priority"):
            what += f": {h.details['priority']}"
        lines.append(f"{h.at.astimezone(tz):%d.%m %H:%M} — {escape(what)}")
    return "\n".join(lines)


def ticket_card(ticket: Any, *, service_name: str, tz: ZoneInfo, history: Iterable[Any] = (),
                comments: Iterable[Any] = (), due_text: str = "", policy: str | None = None,
                solution_html: str | None = None) -> str:
    """The detail view of one ticket; `solution_html` tells its stored solution in the reader's language."""
    status = status_name(ticket.status, getattr(ticket, "approval", None))
    parts = [f"<b>{escape(ticket.number or '')}</b> · {escape(service_name)} · {escape(type_name(ticket.type))}",
             t(N_("Статус: {status}")).format(status=escape(status)),
             t(N_("Приоритет: {p}")).format(p=escape(priority_label(ticket.priority, policy)))]
    if due_text:
        parts.append(escape(due_text))
    if ticket.status == "waiting_user" and ticket.pending_question:
        parts.append(t(N_("❓ Вопрос специалиста: {q}")).format(q=escape(ticket.pending_question)))
    if getattr(ticket, "approval", None) == "rejected" and ticket.solution:
        # the curator's reason is not a solution of the problem
        parts.append(t(N_("⛔ Причина отказа: {s}")).format(s=escape(ticket.solution)))
    elif ticket.status in ("resolved", "closed") and ticket.solution:
        parts.append(t(N_("✅ Решение: {s}")).format(s=solution_html or escape(ticket.solution)))
    block = fields_block(ticket.fields or {}, tz=tz)
    if block:
        parts.append("\n" + block)
    hist = history_lines(history, tz=tz)
    if hist:
        parts.append("\n<b>" + escape(t(N_("История"))) + "</b>\n" + hist)
    pub = [c for c in comments if c.public]
    if pub:
        who = {"user": t(N_("вы")), "staff": t(N_("поддержка")), "system": t(N_("система"))}
        lines = [f"{c.created_at.astimezone(tz):%d.%m %H:%M} {escape(who.get(c.author_kind, c.author_kind))}: "
                 f"{escape(c.text)}" for c in pub[-10:]]
        parts.append("\n<b>" + escape(t(N_("Комментарии"))) + "</b>\n" + "\n".join(lines))
    return "\n".join(parts)



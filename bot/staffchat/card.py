"""The ticket card in a line chat: text (HTML, user input escaped) and the buttons its status allows."""

from __future__ import annotations

import hashlib
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CardCb
from bot.texts import TECON_LEVELS, field_label, plain_value, type_name
from core.catalog.intake import FIELDS, INTERNAL_FIELDS
from core.staffdesk.cards import CardFacts
from core.tickets.lifecycle import ESCALATIONS, FINAL, OPEN

TARGET_NAMES = {"reaction": "реакция", "diagnosis": "диагностика", "workaround": "обходное решение",
                "resolution": "решение", "op4_incident": "инцидент ТП2"}
PRIORITY_NAMES = {1: "P1 Критичный", 2: "P2 Высокий", 3: "P3 Средний", 4: "P4 Низкий"}
FIELD_LIMIT, TEXT_LIMIT = 300, 3900
# the statuses as the lines name them (the requester's words are in bot.texts.STATUS)
STAFF_STATUS = {"assigned": "Назначено (в очереди группы)", "in_progress": "В работе",
                "waiting_user": "Ждёт пользователя", "resolved": "Решено, ждёт подтверждения", "closed": "Закрыто",
                "cancelled": "Отменено пользователем"}


def staff_status(status: str) -> str:
    """A status in the lines' words."""
    return STAFF_STATUS.get(status, status)

# the card's buttons: (action code in CardCb, label, statuses it is shown in)
BUTTONS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("take", "✋ Взять", frozenset({"assigned"})),
    ("assign", "👤 Назначить", frozenset({"assigned", "in_progress"})),
    ("ask", "❓ Спросить пользователя", frozenset({"in_progress"})),
    ("reply", "💬 Ответить пользователю", frozenset({"in_progress", "waiting_user"})),
    ("note", "📝 Заметка", frozenset({"assigned", "in_progress", "waiting_user", "resolved"})),
    ("prio", "⚡ Приоритет", frozenset({"assigned", "in_progress", "waiting_user"})),
    ("diag", "🔬 Диагностика завершена", frozenset({"in_progress"})),
    ("wa", "🩹 Обходное решение", frozenset({"in_progress"})),
    ("resolve", "✅ Решить", frozenset({"in_progress"})),
    ("esc", "⬆️ Эскалировать", frozenset({"assigned", "in_progress"})),
    ("coord", "↩️ Вернуть координатору", frozenset({"in_progress"})),
    ("l1", "⏮ Вернуть на 1ЛТП", frozenset({"assigned", "in_progress"})),
    ("out", "🔗 Связать с аварией", frozenset({"assigned", "in_progress", "waiting_user"})),
    ("rel", "🚀 Решить релизом", frozenset({"in_progress"})),  # when its service has an announced release
    ("rcl", "🔀 Сменить услугу", frozenset({"assigned", "in_progress"})),  # line 1's cards only
    ("files", "📎 Вложения", frozenset({"assigned", "in_progress", "waiting_user", "resolved"})),  # when there are
)
LABELS = {code: label for code, label, _ in BUTTONS}


def priority_name(priority: int, policy: str | None) -> str:
    """The level by name: ТЕКОН's assistance levels (ОП1…ОП4), else P1 Критичный … P4 Низкий."""
    if policy == "tecon":
        return str(TECON_LEVELS.get(priority, priority))
    return PRIORITY_NAMES.get(priority, str(priority))


def _duration(seconds: int) -> str:
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = ([f"{days} д"] if days else []) + ([f"{hours} ч"] if hours else []) + [f"{mins} мин"]
    return " ".join(parts[:2])


def _sla_lines(f: CardFacts, tz: ZoneInfo) -> list[str]:
    """The targets' due moments. «осталось» / «просрочено на» count calendar time from the card's reading to the
    due moment, as people read «до 10.12 14:25» (the clock's remaining seconds are working time: 13-hour days for
    P3–P4). No countdown while the clock is paused or once the ticket is closed or cancelled."""
    targets = f.sla.get("targets") or {}
    final = f.status in FINAL
    paused = bool(f.sla.get("paused"))
    lines = []
    for name, t in targets.items():
        label = TARGET_NAMES.get(name, name)
        due: datetime = t["due_at"]
        if t.get("met_at") is not None:
            lines.append(f"• {label}: выполнено{' (с нарушением)' if t.get('breached') else ''}")
            continue
        when = due.astimezone(tz).strftime("%d.%m %H:%M")
        left = t.get("remaining_seconds")
        late = bool(t.get("breached")) or (left is not None and left < 0)
        if final:
            lines.append(f"• {label}: ‼️ не выполнено в срок (срок {when})" if late
                         else f"• {label}: не выполнено (срок был {when})")
        elif paused or f.as_of is None:
            lines.append(f"• {label}: ‼️ просрочено (срок {when})" if late else f"• {label}: до {when}")
        elif due >= f.as_of:
            lines.append(f"• {label}: до {when}, осталось {_duration(int((due - f.as_of).total_seconds()))}")
        else:
            lines.append(f"• {label}: ‼️ просрочено на {_duration(int((f.as_of - due).total_seconds()))} "
                         f"(срок {when})")
    if paused and not final:
        lines.append("⏸ Часы SLA остановлены: ждём ответа пользователя")
    return lines


# what the escalation to line 3 adds to the details (003 «Исследование и диагностика»)
TASK_LABELS = {"defect": "Дефект", "fix_requirements": "Требования к исправлению"}


def _field(key: str, value: object, tz: ZoneInfo) -> str:
    """«• label: value» as the requester saw it when giving it (choices by label, moments in local time)."""
    label = field_label(key, "ru") if key in FIELDS else TASK_LABELS.get(key, key)
    text = " ".join(plain_value(key, value, tz=tz, lang="ru").split())
    if len(text) > FIELD_LIMIT:
        text = text[:FIELD_LIMIT - 1] + "…"
    return f"• {escape(label)}: {escape(text)}"


def moved_text(f: CardFacts, *, same_chat: bool) -> str:
    """What a card's old message says once the card lives elsewhere (no buttons)."""
    where = ("Карточка перенесена в тему обращения." if same_chat else
             f"Передано в группу «{escape(f.line_name)}»: карточка и работа по обращению — в её чате.")
    return f"📌 <b>{escape(f.number)}</b> · {escape(f.title)}\n{where}"


def render_text(f: CardFacts, *, tz: ZoneInfo) -> str:
    """The card's text: what a line needs to see at a glance, newest state."""
    who = ", ".join(escape(x) for x in (f.requester_name, f.requester_login, f.requester_region, f.requester_org)
                    if x)
    prio = priority_name(f.priority, f.policy)
    head = [f"📌 <b>{escape(f.number)}</b> · {escape(type_name(f.type))} · {escape(prio)}",
            f"<b>{escape(f.title)}</b>",
            f"Сервис: {escape(f.service_name)} · Группа: {escape(f.line_name)}",
            f"Статус: <b>{escape(staff_status(f.status))}</b> · Исполнитель: "
            f"{escape(f.assignee_name) if f.assignee_name else 'не назначен'}",
            f"Заявитель: {who or '—'}"]
    if f.requester_unreachable and f.status not in FINAL:
        head.append("⚠️ Заявитель заблокировал бота: сообщения и вопросы ему не доходят — свяжитесь другим способом")
    if f.outage_id is not None and f.status in OPEN:
        head.append(f"⚠️ Связано с аварией №{f.outage_id}: будет решено при её восстановлении")
    if f.release_id is not None and f.status in OPEN:
        head.append(f"🚀 Исправление войдёт в релиз №{f.release_id}: будет решено при его установке")
    details = [_field(k, v, tz) for k, v in f.fields.items() if v not in (None, "", [])
               and k not in ("full_name", "login", "email", "region", "diagnostics") and k not in INTERNAL_FIELDS]
    body = head + (["", "Детали:", *details] if details else [])
    if f.attachments:
        body.append(f"📎 Вложений: {f.attachments}")
    sla = _sla_lines(f, tz)
    if sla:
        body += ["", "SLA:", *sla]
    if f.pending_question:
        body += ["", f"❓ Вопрос пользователю: {escape(_short(f.pending_question))}"]
    if f.last_public is not None:
        author = "👤 Пользователь" if f.last_public.author_kind == "user" else "🛠 Поддержка"
        at = f.last_public.at.astimezone(tz).strftime("%d.%m %H:%M")
        body += ["", f"Последнее ({at}) {author}: {escape(_short(f.last_public.text))}"]
    if f.status in ("resolved", "closed") and f.closing.get("solution"):
        closing = [f"Решение: {escape(_short(f.closing['solution'] or ''))}"]
        if f.closing.get("closing_code"):
            closing.append(f"Код закрытия: {escape(f.closing.get('closing_name') or f.closing['closing_code'] or '')}")
        if f.closing.get("config_item"):
            closing.append(f"КЕ: {escape(f.closing['config_item'] or '')}")
        body += ["", *closing]
    text = "\n".join(body)
    return text if len(text) <= TEXT_LIMIT else _cut(body)


def _short(text: str, limit: int = FIELD_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _cut(lines: list[str]) -> str:
    """Drops detail lines from the end of the details until the card fits one message."""
    while len("\n".join(lines)) > TEXT_LIMIT and any(line.startswith("• ") for line in lines):
        idx = max(i for i, line in enumerate(lines) if line.startswith("• "))
        lines = lines[:idx] + lines[idx + 1:]
    return "\n".join(lines)[:TEXT_LIMIT]


def actions_for(f: CardFacts) -> list[str]:
    """The card's button codes for the ticket's status (who may press is checked on the press)."""
    codes = []
    for code, _label, statuses in BUTTONS:
        if f.status not in statuses:
            continue
        if code == "take" and f.assignee_id is not None:
            continue
        if code == "out" and f.outage_id is not None:
            continue
        if code == "l1" and f.line_level == "line1":
            continue
        if code == "esc" and not ESCALATIONS.get(f.line_level):
            continue
        if code == "rcl" and f.line_level != "line1":
            continue
        if code == "files" and not f.attachments:
            continue
        if code == "rel" and not f.release_offered:
            continue
        codes.append(code)
    return codes


def render_markup(f: CardFacts) -> InlineKeyboardMarkup | None:
    """Two buttons a row; the callback carries the ticket id and the version the card shows."""
    buttons = [InlineKeyboardButton(text=LABELS[c], callback_data=CardCb(a=c, t=f.ticket_id, v=f.version).pack())
               for c in actions_for(f)]
    if not buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i:i + 2] for i in range(0, len(buttons), 2)])


def content_hash(text: str, markup: InlineKeyboardMarkup | None) -> str:
    """What the chat shows: the same hash means an edit would be «message is not modified»."""
    raw = text + "\x00" + (markup.model_dump_json(exclude_none=True) if markup is not None else "")
    return hashlib.sha256(raw.encode()).hexdigest()

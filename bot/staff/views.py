"""What the staff commands show: a queue page with its page buttons, the day's figures, the curator's request.

Texts are Russian msgids (English in locales/en) read through `Tr` in an explicit locale: group chats read
Russian, private chats the person's language.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import ApproveCb, QueueCb
from bot.staff.texts import Tr
from bot.telegram import escape
from core.staffdesk.queues import DayStats, QueueItem, QueuePage

PAGE = 10
TITLE_LIMIT = 80
STATUS_SHORT = {"assigned": "🆕", "in_progress": "🔧", "waiting_user": "⏸"}


def _item(tr: Tr, it: QueueItem, *, tz: ZoneInfo, now: datetime, with_line: bool) -> str:
    title = it.title if len(it.title) <= TITLE_LIMIT else it.title[:TITLE_LIMIT - 1] + "…"
    mark = STATUS_SHORT.get(it.status, "•")
    head = f"{mark} <b>{escape(it.number)}</b> P{it.priority} {escape(title)}"
    parts = []
    if it.due_at is not None:
        when = it.due_at.astimezone(tz).strftime("%d.%m %H:%M")
        parts.append(tr("срок {when}", when=when) if it.due_at >= now
                     else tr("‼️ просрочено, срок был {when}", when=when))
    parts.append(tr("исполнитель: {who}", who=escape(it.assignee_name)) if it.assignee_name
                 else tr("не назначено"))
    if with_line:
        parts.append(escape(it.line_name or it.line))
    return head + "\n   " + " · ".join(parts)


def page_markup(page: QueuePage, kind: str, tr: Tr) -> InlineKeyboardMarkup | None:
    """◀️ / ▶️ between pages (the offset in the callback)."""
    row = []
    if page.offset > 0:
        row.append(InlineKeyboardButton(text=tr("◀️ Назад"),
                                        callback_data=QueueCb(k=kind, o=max(0, page.offset - page.limit)).pack()))
    if page.offset + page.limit < page.total:
        row.append(InlineKeyboardButton(text=tr("Дальше ▶️"),
                                        callback_data=QueueCb(k=kind, o=page.offset + page.limit).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


def render_page(page: QueuePage, *, title: str, empty: str, tr: Tr, tz: ZoneInfo, now: datetime,
                with_line: bool = False) -> str:
    """A heading, the page's tickets, and «1–10 из 23»."""
    if not page.items:
        return f"<b>{escape(title)}</b>\n{escape(empty)}" if page.offset == 0 else \
            f"<b>{escape(title)}</b>\n{escape(tr('На этой странице ничего нет.'))}"
    lines = [f"<b>{escape(title)}</b>"]
    lines += [_item(tr, it, tz=tz, now=now, with_line=with_line) for it in page.items]
    lines.append(tr("{first}–{last} из {total}", first=page.offset + 1, last=page.offset + len(page.items),
                    total=page.total))
    return "\n".join(lines)


def render_stats(stats: DayStats, *, title: str, day: str, tr: Tr) -> str:
    """Today's figures of a group."""
    median = (tr.duration(timedelta(seconds=stats.median_reaction_seconds)) if stats.median_reaction_seconds is not None
              else tr("нет данных"))
    return "\n".join([
        f"<b>{escape(title)}</b> · {escape(day)}",
        tr("Новых: {n}", n=stats.new),
        tr("Закрыто: {n}", n=stats.closed),
        tr("С нарушением срока: {n}", n=stats.breached),
        tr("Медиана реакции: {value} (по {n} обращ.)", value=median, n=stats.reacted),
    ])


def curator_request(tr: Tr, *, number: str, title: str, fields: dict[str, object], service: str,
                    ticket_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """The curator's private message: who asks which access, with approve / reject."""
    labels = (("full_name", tr("ФИО")), ("login", tr("Логин")), ("role", tr("Роль")), ("region", tr("МРФ")))
    lines = [tr("🔑 Запрос доступа <b>{number}</b> ждёт вашего согласования как куратора МРФ.", number=escape(number)),
             f"{tr('Сервис')}: {escape(service)}", f"<b>{escape(title)}</b>"]
    lines += [f"• {label}: {escape(str(fields[k]))}" for k, label in labels if fields.get(k)]
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=tr("✅ Согласовать"), callback_data=ApproveCb(a="ok", t=ticket_id).pack()),
        InlineKeyboardButton(text=tr("❌ Отказать"), callback_data=ApproveCb(a="no", t=ticket_id).pack())]])
    return "\n".join(lines), markup

"""What a requester reads about an outbox event: text (HTML, user text escaped) and buttons, in their locale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.callbacks import TicketCb
from bot.telegram import escape

# English fallbacks while locales/en has no translation for these ids (the .po wins when it has one)
EN = {
    "Ваше обращение <b>{number}</b> зарегистрировано. Следить за ним можно в разделе «Мои обращения».":
        "Your request <b>{number}</b> has been registered. Follow it in «My requests».",
    "Обращение <b>{number}</b> взято в работу.": "Request <b>{number}</b> is being worked on.",
    "По обращению <b>{number}</b> продолжается работа: его передали другим специалистам.":
        "Work on request <b>{number}</b> continues: it has been passed to other specialists.",
    "По обращению <b>{number}</b> специалист задал вопрос:": "A specialist asked a question about request "
                                                              "<b>{number}</b>:",
    "Ответьте кнопкой ниже или из раздела «Мои обращения». Пока ответа нет, срок решения не идёт.":
        "Answer with the button below or from «My requests». The resolution clock is stopped until you answer.",
    "Новый комментарий по обращению <b>{number}</b>:": "New comment on request <b>{number}</b>:",
    "Ответ поддержки по обращению <b>{number}</b> ({name}):": "Support's answer on request <b>{number}</b> ({name}):",
    "Файлов приложено: {n}": "Files attached: {n}",
    "По обращению <b>{number}</b> предложено временное решение:": "A workaround for request <b>{number}</b>:",
    "Обращение <b>{number}</b> решено.": "Request <b>{number}</b> has been resolved.",
    "Решение:": "Solution:",
    "Подтвердите, пожалуйста, что проблема устранена. Без ответа обращение закроется через {days} раб. дн.":
        "Please confirm the problem is gone. Without an answer the request closes in {days} working days.",
    "Подтвердите, пожалуйста, что проблема устранена: обращение закроется после вашего подтверждения.":
        "Please confirm the problem is gone: the request closes once you confirm it.",
    "Обращение <b>{number}</b> закрыто.": "Request <b>{number}</b> is closed.",
    "Обращение <b>{number}</b> закрыто автоматически: решение не подтвердили в срок.":
        "Request <b>{number}</b> was closed automatically: the solution was not confirmed in time.",
    "Обращение <b>{number}</b> отменено.": "Request <b>{number}</b> has been cancelled.",
    "Ответить": "Answer",
    "Открыть": "Open",
    "Подтвердить": "Confirm",
    "Не помогло": "Did not help",
}

CHANGED = ("escalate", "return_to_coordinator", "return_to_line1", "reclassify", "requeue")


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    markup: InlineKeyboardMarkup | None = None


class Texts:
    """gettext with an explicit locale (the worker has no update context)."""

    def __init__(self, i18n: I18n | None, locale: str) -> None:
        self.i18n, self.locale = i18n, locale

    def __call__(self, msgid: str, **kw: Any) -> str:
        text = self.i18n.gettext(msgid, locale=self.locale) if self.i18n is not None else msgid
        if text == msgid and self.locale == "en":
            text = EN.get(msgid, msgid)
        return text.format(**kw) if kw else text


def release_text(tr: Callable[..., str], payload: dict[str, Any]) -> str | None:
    """What a release did to a ticket, in the reader's language, from the facts of its event (the installation's
    resolution, an unlink because it was not in work, a cancellation: core.planned.releases); None otherwise."""
    why = payload.get("why")
    if why not in ("installed", "not_in_work", "cancelled") or payload.get("release_id") is None:
        return None
    rid, title = payload["release_id"], escape(payload.get("release") or "")
    if why == "cancelled":
        out = tr("Релиз №{id} «{title}» отменён.", id=rid, title=title)
        return out + (" " + tr("Причина: {reason}", reason=escape(payload["reason"])) if payload.get("reason") else "")
    out = tr("Исправление установлено в составе релиза №{id} «{title}».", id=rid, title=title)
    changes = "; ".join(str(c) for c in payload.get("changes") or [])
    if changes:
        out += " " + tr("Изменения: {changes}", changes=escape(changes))
    return out + (" " + tr("Обращение не было в работе — решите его вручную.") if why == "not_in_work" else "")


def _kb(*rows: list[tuple[str, TicketCb]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=cb.pack())
                                                  for t, cb in row] for row in rows])


def render(topic: str, payload: dict[str, Any], *, channel: str | None, tr: Texts,
           autoclose_days: int = 3) -> Notice | None:
    """The requester's notice for one event, or None when the event is not for them."""
    action = topic.removeprefix("ticket.")
    number = escape(payload.get("number", ""))
    tid = int(payload.get("ticket_id") or 0)
    text = escape(payload.get("text") or "")
    open_kb = _kb([(tr("Открыть"), TicketCb(action="open", ticket_id=tid))])
    if not topic.startswith("ticket."):
        return None  # sla.* and the like are for staff
    if action == "registered":
        if channel in (None, "telegram"):
            return None  # the dialog already showed the number and the deadlines
        return Notice(tr("Ваше обращение <b>{number}</b> зарегистрировано. Следить за ним можно в разделе "
                         "«Мои обращения».", number=number), open_kb)
    if action in ("take", "assign"):
        return Notice(tr("Обращение <b>{number}</b> взято в работу.", number=number), open_kb)
    if action == "reclassify" and payload.get("question"):
        action, text = "request_info", escape(payload["question"])  # asked for the details its new type needs
    if action in CHANGED:
        return Notice(tr("По обращению <b>{number}</b> продолжается работа: его передали другим специалистам.",
                         number=number), open_kb)
    if action == "request_info":
        body = "\n\n".join([tr("По обращению <b>{number}</b> специалист задал вопрос:", number=number), text,
                            tr("Ответьте кнопкой ниже или из раздела «Мои обращения». Пока ответа нет, "
                               "срок решения не идёт.")])
        return Notice(body, _kb([(tr("Ответить"), TicketCb(action="answer", ticket_id=tid))]))
    if action == "comment":
        if not payload.get("public") or payload.get("actor_kind") != "staff":
            return None
        author = escape(payload.get("author") or "")  # the staff member's name, when RELAY_STAFF_NAME is on
        head = tr("Ответ поддержки по обращению <b>{number}</b> ({name}):", number=number, name=author) if author \
            else tr("Новый комментарий по обращению <b>{number}</b>:", number=number)
        parts = [head, text]
        if payload.get("files"):
            parts.append(tr("Файлов приложено: {n}", n=int(payload["files"])))
        return Notice("\n\n".join(p for p in parts if p),
                      _kb([(tr("Ответить"), TicketCb(action="comment", ticket_id=tid)),
                           (tr("Открыть"), TicketCb(action="open", ticket_id=tid))]))
    if action == "link_release":
        return Notice(tr("По обращению <b>{number}</b> исправление войдёт в обновление системы «{release}»: "
                         "обращение будет решено после его установки.", number=number,
                         release=escape(payload.get("release") or "")), open_kb)
    if action == "give_workaround":
        return Notice("\n\n".join([tr("По обращению <b>{number}</b> предложено временное решение:", number=number),
                                   text]), open_kb)
    if action == "resolve":
        body = "\n\n".join([tr("Обращение <b>{number}</b> решено.", number=number),
                            f"{tr('Решение:')}\n{release_text(tr, payload) or text}",
                            # auto-closing is a per-service setting, off unless an administrator turns it on
                            tr("Подтвердите, пожалуйста, что проблема устранена. Без ответа обращение закроется "
                               "через {days} раб. дн.", days=autoclose_days) if payload.get("autoclose") else
                            tr("Подтвердите, пожалуйста, что проблема устранена: обращение закроется после "
                               "вашего подтверждения.")])
        return Notice(body, _kb([(tr("Подтвердить"), TicketCb(action="confirm", ticket_id=tid)),
                                 (tr("Не помогло"), TicketCb(action="reject", ticket_id=tid))]))
    if action in ("close", "confirm"):
        if payload.get("actor_kind") == "system":
            return Notice(tr("Обращение <b>{number}</b> закрыто автоматически: решение не подтвердили в срок.",
                             number=number))
        closed = tr("Обращение <b>{number}</b> закрыто.", number=number)
        solution = escape(payload.get("solution") or "") if action == "close" else ""
        # staff closing without a resolution: the requester had no «Решено» notice, so the solution or the reason
        # it cannot be done comes here (003: «уведомление о решении заявки и текст решения»)
        return Notice("\n\n".join([closed, f"{tr('Решение:')}\n{solution}"]) if solution else closed)
    if action == "cancel":
        return Notice(tr("Обращение <b>{number}</b> отменено.", number=number))
    return None  # user_answers, reject, diagnosis_done, change_priority: nothing new for the requester

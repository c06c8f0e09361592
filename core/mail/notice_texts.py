"""What a requester without Telegram reads by e-mail about an outbox event (plain text, Russian or English)."""

from __future__ import annotations

from typing import Any

from core.mail.port import Mail

# action -> (subject, first line); {n}: the ticket number
HEADS: dict[str, dict[str, tuple[str, str]]] = {
    "ru": {
        "registered": ("зарегистрировано", "Ваше обращение {n} зарегистрировано."),
        "take": ("взято в работу", "Обращение {n} взято в работу."),
        "changed": ("работа продолжается", "По обращению {n} продолжается работа: его передали другим специалистам."),
        "request_info": ("нужен ваш ответ", "По обращению {n} специалист задал вопрос:"),
        "comment": ("новый комментарий", "Новый комментарий по обращению {n}:"),
        "give_workaround": ("временное решение", "По обращению {n} предложено временное решение:"),
        "resolve": ("решено", "Обращение {n} решено."),
        "close": ("закрыто", "Обращение {n} закрыто."),
        "autoclose": ("закрыто", "Обращение {n} закрыто автоматически: решение не подтвердили в срок."),
        "cancel": ("отменено", "Обращение {n} отменено."),
        "approved": ("согласовано", "Запрос доступа {n} согласован куратором МРФ и передан на выдачу доступа."),
        "rejected": ("отказано", "В доступе по запросу {n} отказано куратором МРФ. Причина:"),
    },
    "en": {
        "registered": ("registered", "Your request {n} has been registered."),
        "take": ("being worked on", "Request {n} is being worked on."),
        "changed": ("work continues", "Work on request {n} continues: it has been passed to other specialists."),
        "request_info": ("your answer is needed", "A specialist asked a question about request {n}:"),
        "comment": ("new comment", "New comment on request {n}:"),
        "give_workaround": ("workaround", "A workaround for request {n}:"),
        "resolve": ("resolved", "Request {n} has been resolved."),
        "close": ("closed", "Request {n} is closed."),
        "autoclose": ("closed", "Request {n} was closed automatically: the solution was not confirmed in time."),
        "cancel": ("cancelled", "Request {n} has been cancelled."),
        "approved": ("approved", "Access request {n} was approved by the regional curator and passed on to grant "
                                 "the access."),
        "rejected": ("refused", "The regional curator refused access request {n}. Reason:"),
    },
}
TAILS = {
    "ru": {
        "request_info": "Пока ответа нет, срок решения не идёт. Ответить можно по телефону или почте первой линии "
                        "поддержки (1ЛТП), назвав номер обращения.",
        "request_info_tg": "Пока ответа нет, работы по обращению приостановлены и срок решения не идёт. Ответить можно "
                           "в Telegram (кнопка «Ответить» в сообщении бота) или по телефону либо почте первой линии "
                           "поддержки (1ЛТП), назвав номер обращения.",
        "resolve": "Если проблема осталась, сообщите об этом первой линии поддержки (1ЛТП), назвав номер обращения.",
        "footer": "Это письмо отправлено автоматически, отвечать на него не нужно.",
        "subject": "Обращение {n}: {what}",
        "solution": "Решение:",
        "release": "Исправление установлено в составе релиза №{id} «{title}».",
        "changes": "Изменения: {changes}",
    },
    "en": {
        "request_info": "The resolution clock is stopped until you answer. Answer line 1 support by phone or e-mail, "
                        "naming the request number.",
        "request_info_tg": "Work on the request is paused and the resolution clock is stopped until you answer. Answer "
                           "in Telegram (the «Answer» button in the bot's message), or line 1 support by phone or "
                           "e-mail, naming the request number.",
        "resolve": "If the problem is still there, tell line 1 support, naming the request number.",
        "footer": "This mail was sent automatically; there is no need to reply to it.",
        "subject": "Request {n}: {what}",
        "solution": "Solution:",
        "release": "The fix was installed with release No. {id} «{title}».",
        "changes": "Changes: {changes}",
    },
}
# 001: «Пользователю приходит сообщение на электронную почту о приостановке работ по запросу до получения
# дополнительной информации»: the one notice a Telegram requester with an e-mail also gets by mail
PAUSE_KINDS = frozenset({"request_info"})
CHANGED = ("escalate", "return_to_coordinator", "return_to_line1")
# the МРФ curator's decisions on an access request (core/tickets/approval.py)
CURATOR = {"curator.approved": "approved", "curator.rejected": "rejected"}


def _kind(topic: str, p: dict[str, Any]) -> str | None:
    if topic in CURATOR:
        return CURATOR[topic]
    action = topic.removeprefix("ticket.")
    if action == "registered":
        return "registered"
    if action in ("take", "assign"):
        return "take"
    if action == "reclassify" and p.get("question"):
        return "request_info"  # moved to a type that needs details the ticket lacks: the requester is asked
    if action in CHANGED:
        return "changed"
    if action == "comment":
        return "comment" if p.get("public") and p.get("actor_kind") == "staff" else None
    if action in ("close", "confirm"):
        return "autoclose" if p.get("actor_kind") == "system" else "close"
    if action in ("request_info", "give_workaround", "resolve", "cancel"):
        return action
    return None  # user_answers, reject, diagnosis_done, change_priority: nothing new for the requester


def release_solution(loc: str, p: dict[str, Any]) -> str:
    """The solution a release's installation gave, in the reader's language, from the facts of its event (the
    stored solution, core.tickets.releases.solution, is Russian)."""
    tails = TAILS[loc if loc in TAILS else "ru"]
    out = tails["release"].format(id=p.get("release_id"), title=p.get("release") or "")
    changes = "; ".join(str(c) for c in p.get("changes") or [])
    return out + (" " + tails["changes"].format(changes=changes) if changes else "")


def notice_mail(topic: str, payload: dict[str, Any], *, to: str, locale: str, only: frozenset[str] | None = None,
                telegram: bool = False) -> Mail | None:
    """The mail about one ticket event (of the `only` kinds), or None when it says nothing new to the requester."""
    if not topic.startswith("ticket.") and topic not in CURATOR:
        return None
    kind = _kind(topic, payload)
    if kind is None or (only is not None and kind not in only):
        return None
    loc = locale if locale in HEADS else "ru"
    number = str(payload.get("number") or payload.get("ticket_id") or "")
    what, head = HEADS[loc][kind]
    tails = TAILS[loc]
    parts = [head.format(n=number)]
    text = str((payload.get("question") if kind == "request_info" else None) or payload.get("text")
               or payload.get("reason") or "").strip()
    solution = str(payload.get("solution") or "").strip() if topic == "ticket.close" else ""
    if kind == "resolve" and payload.get("why") == "installed" and payload.get("release_id") is not None:
        parts.append(f"{tails['solution']}\n{release_solution(loc, payload)}")
    elif kind == "resolve" and text:
        parts.append(f"{tails['solution']}\n{text}")
    elif kind == "close" and solution:
        # closed by staff without a resolution first: the solution, or why it cannot be done, is told here
        parts.append(f"{tails['solution']}\n{solution}")
    elif kind in ("request_info", "comment", "give_workaround", "rejected") and text:
        parts.append(text)
    if kind in ("request_info", "resolve"):
        parts.append(tails[f"{kind}_tg" if telegram and kind == "request_info" else kind])
    parts.append("—\n" + tails["footer"])
    return Mail(to=to, subject=tails["subject"].format(n=number, what=what), body="\n\n".join(parts))

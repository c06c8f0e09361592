"""The API's error texts in the language of the request: Russian unless `Accept-Language` prefers English.

Domain errors are raised with an English message (the log's language); the common shapes are put into Russian
here with what to do next, and a 422's field reasons come from pydantic's error types, not its English prose.
The `code` of an error never changes with the language: clients branch on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import Request

RU, EN = "ru", "en"

NOUNS = {  # what the English message names -> (Russian noun, its gender: m / f / n / p)
    "ticket": ("обращение", "n"), "staff member": ("сотрудник", "m"), "user": ("пользователь", "m"),
    "service": ("сервис", "m"), "article": ("статья", "f"), "outage": ("авария", "f"),
    "planned works": ("плановые работы", "p"), "organisation": ("организация", "f"),
    "configuration item": ("конфигурационная единица", "f"), "closing code": ("код закрытия", "m"),
    "broadcast": ("рассылка", "f"), "group": ("группа", "f"), "SLA policy": ("политика SLA", "f"),
    "SLA calendar": ("календарь SLA", "m"), "invitation": ("приглашение", "n"),
}
_FOUND = {"m": "не найден", "f": "не найдена", "n": "не найдено", "p": "не найдены"}
_EXISTS = {"m": "уже есть", "f": "уже есть", "n": "уже есть", "p": "уже есть"}
_NOUN_RE = "|".join(sorted((re.escape(n) for n in NOUNS), key=len, reverse=True))
_NOT_FOUND = re.compile(rf"^(?:unknown )?({_NOUN_RE}) (.+?)(?: not found)?(?: \(.*\))?$", re.I)
_EXISTS_RE = re.compile(rf"^({_NOUN_RE}) (.+?) already exists(.*)$", re.I)
STATUS_RU = {"new": "новое", "assigned": "назначено", "in_progress": "в работе", "waiting_user": "ждёт пользователя",
             "resolved": "решено", "closed": "закрыто", "cancelled": "отменено", "rejected": "отклонено",
             "restored": "восстановлена", "completed": "завершены", "started": "идут"}
WHAT_NEXT = {
    404: "Проверьте идентификатор: список — в соответствующем GET-запросе.",
    409: "Обновите данные (GET) и повторите действие, если оно ещё нужно.",
    403: "Это действие доступно другой роли или группе.",
}
GENERIC = {404: "Объект не найден", 409: "Действие сейчас невозможно", 403: "Недостаточно прав",
           422: "Неверные данные", 401: "Нужен токен администратора"}


def language(request: Request) -> str:
    """`en` when the first language the client prefers is English, else `ru`."""
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].split(";")[0].strip().lower()
    return EN if first.startswith("en") else RU


def _cyrillic(text: str) -> bool:
    return bool(re.search("[А-Яа-яЁё]", text))


def domain_message(message: str, status: int, lang: str, fields: Mapping[str, str] | None = None) -> str:
    """A domain error's message for the client."""
    if lang == EN or _cyrillic(message):
        return message
    if status == 404 and (m := _NOT_FOUND.match(message.strip())) and " not found" in message:
        noun, gender = NOUNS[_canon(m.group(1))]
        return f"{noun.capitalize()} {m.group(2)} {_FOUND[gender]}. {WHAT_NEXT[404]}"
    if status == 409 and (m := _EXISTS_RE.match(message.strip())):
        noun, gender = NOUNS[_canon(m.group(1))]
        return f"{noun.capitalize()} {m.group(2)} {_EXISTS[gender]}: выберите другое значение."
    if status == 409 and (m := re.match(r"^ticket (\S+) is (\w+)$", message)):
        return (f"Обращение {m.group(1)} сейчас в статусе «{STATUS_RU.get(m.group(2), m.group(2))}»: это действие "
                f"в нём недоступно. {WHAT_NEXT[409]}")
    if status == 409 and (m := re.match(r"^outage (\S+) is already restored$", message)):
        return f"Авария {m.group(1)} уже закрыта."
    if fields:
        # the field reasons are Russian already; the original text keeps where it happened (a file, a line)
        reasons = "; ".join(f"{k} — {v}" for k, v in fields.items())
        return f"{GENERIC.get(status, 'Ошибка')}: {reasons} ({message})"
    head = GENERIC.get(status, "Ошибка")
    return f"{head} ({message}). {WHAT_NEXT.get(status, '')}".strip()


def _canon(word: str) -> str:
    return next(n for n in NOUNS if n.lower() == word.lower())


def _plural_chars(n: int) -> str:
    # genitive after «короче»/«длиннее»: 1 знака, 2 знаков, 5 знаков, 21 знака
    return "знака" if n % 10 == 1 and n % 100 != 11 else "знаков"


def field_reason(err: Mapping[str, Any], lang: str) -> str:
    """One pydantic error in words: Russian by its type and context, or its own English text."""
    msg = str(err.get("msg", ""))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    elif msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, "):]
    if lang == EN or _cyrillic(msg):
        return msg
    t, ctx = str(err.get("type", "")), dict(err.get("ctx") or {})
    n = ctx.get("min_length", ctx.get("max_length"))
    ru = {
        "missing": "обязательное поле",
        "extra_forbidden": "неизвестное поле: уберите его",
        "string_type": "нужна строка",
        "string_too_short": f"не короче {n} {_plural_chars(int(n or 0))}",
        "string_too_long": f"не длиннее {n} {_plural_chars(int(n or 0))}",
        "too_short": f"не меньше {n} элементов",
        "too_long": f"не больше {n} элементов",
        "int_parsing": "нужно целое число", "int_type": "нужно целое число", "int_from_float": "нужно целое число",
        "float_parsing": "нужно число", "float_type": "нужно число",
        "bool_parsing": "нужно true или false", "bool_type": "нужно true или false",
        "greater_than_equal": f"не меньше {ctx.get('ge')}", "less_than_equal": f"не больше {ctx.get('le')}",
        "greater_than": f"больше {ctx.get('gt')}", "less_than": f"меньше {ctx.get('lt')}",
        "literal_error": f"одно из значений: {ctx.get('expected')}", "enum": f"одно из значений: {ctx.get('expected')}",
        "list_type": "нужен список", "dict_type": "нужен объект", "model_type": "нужен объект",
        "model_attributes_type": "нужен объект",
        "datetime_parsing": "дата и время в ISO 8601, например 2026-12-10T22:00:00+03:00",
        "datetime_type": "дата и время в ISO 8601, например 2026-12-10T22:00:00+03:00",
        "datetime_from_date_parsing": "дата и время в ISO 8601, например 2026-12-10T22:00:00+03:00",
        "timezone_aware": "укажите часовой пояс, например +03:00",
        "date_parsing": "дата в виде ГГГГ-ММ-ДД", "date_type": "дата в виде ГГГГ-ММ-ДД",
        "json_invalid": "неверный JSON", "json_type": "неверный JSON",
        "url_parsing": "нужен адрес (URL)", "uuid_parsing": "нужен UUID",
        "string_pattern_mismatch": f"значение не подходит под шаблон {ctx.get('pattern')}",
        "value_error": msg,
    }
    return ru.get(t, msg)


def validation_message(fields: Mapping[str, str], lang: str) -> str:
    """The top message of a 422 from the request's shape."""
    names = ", ".join(fields)
    return f"invalid request: {names}" if lang == EN else f"Неверные данные в полях: {names}. Исправьте и повторите."

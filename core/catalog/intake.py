"""What a request must contain (regulations: «Требования к содержанию обращения»).

Pure data and validation: the bot asks these fields one by one, the API checks them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class RequestType(StrEnum):
    incident = "incident"
    access_problem = "access_problem"
    access_request = "access_request"
    change = "change"
    feature = "feature"
    consultation = "consultation"
    file_transfer = "file_transfer"


TYPE_NAMES: dict[str, dict[str, str]] = {
    "incident": {"ru": "Инцидент (что-то не работает)", "en": "Incident (something is broken)"},
    "access_problem": {"ru": "Проблема с доступом", "en": "Access problem"},
    "access_request": {"ru": "Предоставление доступа", "en": "Access request"},
    "change": {"ru": "Запрос на изменение", "en": "Change request"},
    "feature": {"ru": "Запрос на доработку", "en": "Feature request"},
    "consultation": {"ru": "Консультация", "en": "Consultation"},
    "file_transfer": {"ru": "Передача файлов (патчи, документация, логи)", "en": "Sending or receiving files"},
}

LEVELS = ("line1", "line2", "line3", "dev")

# Which line level takes a new ticket of each type when the service's routing names no group
# (DOMAIN.md «Request types»).
FIRST_LINE: dict[str, str] = {
    "incident": "line2",
    "access_problem": "line1",
    "access_request": "line1",
    "change": "line2",
    "feature": "dev",
    "consultation": "line1",
    "file_transfer": "line1",
}

# МРФ as CRM B2C (001) names them when it gives its phone numbers
REGIONS = ("Москва", "КЦ", "СЗ", "ЮГ", "Центр", "Урал", "Сибирь", "Дальний Восток", "Волга")


def region_key(name: str | None) -> str:
    """One МРФ however it is written: «МРФ Урал» (the profile's button), «Урал» (an administrator), «мрф  урал»."""
    words = (name or "").replace("ё", "е").replace("Ё", "Е").casefold().split()
    if words and words[0] in ("мрф", "mrf"):
        words = words[1:]
    return " ".join(words)


def same_region(a: str | None, b: str | None) -> bool:
    """Whether two spellings name the same МРФ (an empty one matches nothing)."""
    ka, kb = region_key(a), region_key(b)
    return bool(ka) and ka == kb


class FieldKind(StrEnum):
    text = "text"
    email = "email"
    past_datetime = "past_datetime"
    choice = "choice"
    files = "files"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str
    kind: FieldKind
    label: Mapping[str, str]
    hint: Mapping[str, str]
    example: Mapping[str, str]
    required: bool = True
    min_len: int = 0
    max_len: int = 4000
    choices: tuple[str, ...] = ()
    # a value must match one of these (case-insensitive) — the form a regulation prescribes
    patterns: tuple[str, ...] = ()


def _f(key: str, kind: FieldKind, label: tuple[str, str], hint: tuple[str, str], example: tuple[str, str],
       **kw: Any) -> FieldSpec:
    return FieldSpec(key, kind, {"ru": label[0], "en": label[1]}, {"ru": hint[0], "en": hint[1]},
                     {"ru": example[0], "en": example[1]}, **kw)


T, E = FieldKind.text, FieldKind.email
FIELDS: dict[str, FieldSpec] = {f.key: f for f in [
    _f("steps", T, ("Шаги воспроизведения", "Steps to reproduce"),
       ("Что вы делали по шагам, перед тем как возникла ошибка", "What you did, step by step, before it failed"),
       ("Открыл карточку клиента → вкладка «Договоры» → «Сохранить»", "Opened the client card → Contracts → Save"),
       min_len=10),
    _f("expected", T, ("Ожидаемый результат", "Expected result"),
       ("Чего вы хотели добиться", "What you were trying to achieve"),
       ("Договор сохраняется", "The contract is saved"), min_len=5),
    _f("actual", T, ("Фактический результат", "Actual result"),
       ("Что произошло на самом деле; точный текст ошибки", "What happened instead; the exact error text"),
       ("Ошибка «500 Internal Server Error»", "Error “500 Internal Server Error”"), min_len=5),
    _f("occurred_at", FieldKind.past_datetime, ("Время возникновения", "When it happened"),
       ("Дата и время, когда возникла проблема: ДД.ММ.ГГГГ ЧЧ:ММ или «сейчас»",
        "Date and time it happened: DD.MM.YYYY HH:MM or “now”"),
       ("21.11.2026 14:30", "21.11.2026 14:30")),
    _f("affected_users", FieldKind.choice, ("Массовость", "How many users are affected"),
       ("Сколько пользователей затронуто", "How many users are affected"),
       ("Только я", "Only me"), choices=("one", "several", "many", "all")),
    # the impact questions of the intake (core/tickets/priority.py IMPACT_FIELDS): kept with the ticket so the
    # lines see why the priority was proposed
    _f("work_blocked", FieldKind.choice, ("Работа остановлена", "Work is blocked"),
       ("Можете ли вы выполнить свою задачу", "Whether you can do your task at all"),
       ("Да", "Yes"), choices=("yes", "no")),
    _f("has_workaround", FieldKind.choice, ("Есть обходной путь", "A workaround exists"),
       ("Можно ли пока сделать то же самое иначе", "Whether the same can be done another way for now"),
       ("Нет", "No"), choices=("yes", "no")),
    _f("examples", T, ("Примеры", "Examples"),
       ("Логин, лицевой счёт, номер наряда, линия, имя абонента — на чём видна проблема",
        "Login, account, work order, line, subscriber — where the problem shows"),
       ("ЛС 123456789, наряд 7788", "account 123456789, order 7788"), min_len=3),
    _f("external_refs", T, ("Номера обращений во внешних системах", "Related request numbers in other systems"),
       ("Если проблема в интеграции — номера связанных обращений", "For an integration problem: related numbers"),
       ("SR-445566", "SR-445566"), required=False),
    _f("full_name", T, ("ФИО", "Full name"), ("Фамилия, имя и отчество", "Surname, name, patronymic"),
       ("Иванов Иван Иванович", "Ivanov Ivan Ivanovich"), min_len=5, max_len=300),
    _f("environment", FieldKind.choice, ("Среда", "Environment"),
       ("На какой среде проблема: продуктивной или препродуктивной", "Productive or pre-productive environment"),
       ("Продуктивная", "Productive"), choices=("prod", "preprod")),
    _f("stage", FieldKind.choice, ("Этап", "Stage"),
       ("На каком этапе возникают трудности", "At which stage it fails"),
       ("При работе в программе", "While working in the program"), choices=("work", "login")),
    _f("hang_details", T, ("Зависания: длительность и частота", "Hangs: duration and frequency"),
       ("Если программа зависает — как долго и как часто", "If it hangs: for how long and how often"),
       ("по 2–3 минуты, несколько раз в час", "2–3 minutes, several times an hour"), required=False, min_len=3),
    _f("additional", T, ("Дополнительная информация", "Additional information"),
       ("Всё, что ещё относится к проблеме", "Anything else that relates to the problem"),
       ("Ошибка появилась после обновления браузера", "It started after a browser update"), required=False),
    _f("current_role", T, ("Ваша роль в системе", "Your role in the system"),
       ("Ваша текущая роль в системе: оператор, администратор, куратор…",
        "Your current role in the system: operator, administrator, curator…"),
       ("Оператор", "Operator"), min_len=3, max_len=300),
    _f("screenshot", FieldKind.files, ("Снимок экрана", "Screenshot"),
       ("Скриншот, на котором видна проблема или шаг, на котором возникает ошибка",
        "A screenshot showing the problem or the step where the error occurs"),
       ("скриншот окна с ошибкой", "a screenshot of the error")),
    _f("login", T, ("Логин или e-mail", "Login or e-mail"), ("Ваш логин в системе или рабочая почта",
       "Your login in the system or work e-mail"), ("i.ivanov", "i.ivanov"), min_len=2, max_len=200),
    _f("email", E, ("E-mail", "E-mail"), ("Рабочая электронная почта", "Work e-mail"),
       ("i.ivanov@example.ru", "i.ivanov@example.ru"), max_len=300),
    _f("description", T, ("Описание", "Description"), ("Опишите проблему своими словами", "Describe the problem"),
       ("Не могу войти: пишет «неверный пароль»", "Cannot log in: “wrong password”"), min_len=10),
    _f("role", T, ("Роль", "Role"), ("Какая роль (права) нужна в системе", "Which role (rights) you need"),
       ("Оператор контакт-центра", "Contact-centre operator"), min_len=3, max_len=300),
    _f("region", T, ("МРФ", "Macro-region"), ("Ваш макрорегиональный филиал", "Your macro-region"),
       ("МРФ Центр", "MRF Centre"), min_len=2, max_len=100),
    _f("statement", T, ("Пользовательская история", "User story"),
       ("Начните со слов «Я, как <роль>, хочу иметь возможность …»", "Start with “As a <role>, I want to …”"),
       ("Я, как оператор, хочу иметь возможность выгружать отчёт в Excel",
        "As an operator I want to export the report to Excel"), min_len=20,
       patterns=(r"^я\s*,?\s*как\s+\S.*?\bхочу\s+иметь\s+возможность\s+\S",
                 r"^as\s+an?\s+\S.*?\bi\s+want\s+to\s+\S")),
    _f("result", T, ("Желаемый результат", "Result wanted"), ("Подробно: что должно получиться",
       "In detail: what the result should be"), ("Кнопка «Выгрузить» на форме отчёта", "An Export button"),
       min_len=10),
    _f("question", T, ("Вопрос", "Question"), ("Что именно вы хотите узнать", "What exactly you want to know"),
       ("Как перевести чат на другого оператора?", "How do I transfer a chat?"), min_len=5),
    _f("attachments", FieldKind.files, ("Скриншоты и файлы", "Screenshots and files"),
       ("Пришлите скриншот ошибки или файл (необязательно)", "Send a screenshot or a file (optional)"),
       ("скриншот окна с ошибкой", "a screenshot of the error"), required=False),
]}

DEFAULT_INTAKE: dict[str, list[str]] = {
    "incident": ["steps", "expected", "actual", "occurred_at", "affected_users", "examples", "external_refs",
                 "attachments"],
    "access_problem": ["full_name", "login", "description", "attachments"],
    "access_request": ["full_name", "login", "role", "region"],
    "change": ["description", "expected", "attachments"],
    "feature": ["full_name", "role", "email", "statement", "result"],
    "consultation": ["question"],
    "file_transfer": ["full_name", "description", "attachments"],
}

AFFECTED_NAMES = {"one": "Только я", "several": "Несколько человек", "many": "Много пользователей",
                  "all": "Все пользователи региона"}
# labels of every choice field's values: {value: {"ru": ..., "en": ...}}
CHOICE_NAMES: dict[str, dict[str, str]] = {
    "one": {"ru": "Только я", "en": "Only me"},
    "several": {"ru": "Несколько человек", "en": "Several people"},
    "many": {"ru": "Много пользователей", "en": "Many users"},
    "all": {"ru": "Все пользователи региона", "en": "All users of the region"},
    "prod": {"ru": "Продуктивная", "en": "Productive"},
    "preprod": {"ru": "Препродуктивная", "en": "Pre-productive"},
    "work": {"ru": "При работе в программе", "en": "While working in the program"},
    "login": {"ru": "При входе в программу", "en": "When logging in"},
    "yes": {"ru": "Да", "en": "Yes"},
    "no": {"ru": "Нет", "en": "No"},
}
# keys the desk itself writes into a ticket's fields (bookkeeping, not the requester's details): never listed as
# details on a card
INTERNAL_FIELDS = frozenset({"outage_id"})
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def intake_fields(*, service_intake: Mapping[str, Any] | None, request_type: str) -> list[FieldSpec]:
    """The ordered field specs a request of this type needs for a service."""
    keys = (service_intake or {}).get(request_type) or DEFAULT_INTAKE.get(request_type)
    if keys is None:
        raise KeyError(request_type)
    return [FIELDS[k] for k in keys if k in FIELDS]


def parse_past_datetime(value: str, *, now: datetime, tz: Any) -> datetime:
    """Parses «ДД.ММ.ГГГГ ЧЧ:ММ», ISO 8601 or «сейчас»; refuses a moment in the future."""
    text = value.strip().lower()
    if text in {"сейчас", "now", "только что", "just now"}:
        return now
    parsed: datetime | None = None
    for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%d.%m.%Y"):
        try:
            parsed = datetime.strptime(text, fmt).replace(tzinfo=tz)
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("date_format") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
    if parsed > now + timedelta(minutes=5):
        raise ValueError("date_future")
    return parsed.astimezone(UTC)


def check_value(spec: FieldSpec, value: Any, *, now: datetime, tz: Any) -> Any:
    """Validates one value and returns it normalised; ValueError carries a reason code."""
    if spec.kind is FieldKind.files:
        files = list(value or []) if isinstance(value, list | tuple) else [value] if value else []
        if spec.required and not files:
            raise ValueError("empty")
        return files
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("empty")
    if spec.kind is FieldKind.past_datetime:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("date_format")
            if value > now + timedelta(minutes=5):
                raise ValueError("date_future")
            return value.astimezone(UTC).isoformat()
        return parse_past_datetime(str(value), now=now, tz=tz).isoformat()
    text = str(value).strip()
    if len(text) < spec.min_len:
        raise ValueError("too_short")
    if len(text) > spec.max_len:
        raise ValueError("too_long")
    if spec.kind is FieldKind.email and not EMAIL_RE.match(text):
        raise ValueError("not_email")
    if spec.kind is FieldKind.choice and text not in spec.choices:
        raise ValueError("bad_choice")
    if spec.patterns and not any(re.match(p, text, re.IGNORECASE | re.DOTALL) for p in spec.patterns):
        raise ValueError("bad_form")
    return text


REASONS_RU = {
    "empty": "поле пустое",
    "too_short": "слишком коротко",
    "too_long": "слишком длинно",
    "not_email": "это не похоже на адрес электронной почты",
    "bad_choice": "выберите один из вариантов",
    "date_format": "не удалось разобрать дату, нужен формат ДД.ММ.ГГГГ ЧЧ:ММ",
    "date_future": "дата в будущем",
    "bad_form": "нужна форма, которую требует регламент",
}


def validate_fields(*, specs: Sequence[FieldSpec], values: Mapping[str, Any], now: datetime,
                    tz: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Checks every field; returns (clean values, field -> Russian text of what it must contain)."""
    clean: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for spec in specs:
        raw = values.get(spec.key)
        if raw is None and not spec.required:
            continue
        try:
            clean[spec.key] = check_value(spec, raw, now=now, tz=tz)
        except ValueError as exc:
            if not spec.required and str(exc) == "empty":
                continue
            reason = REASONS_RU.get(str(exc), str(exc))
            problems[spec.key] = f"{spec.label['ru']}: {spec.hint['ru']} ({reason}). Пример: {spec.example['ru']}"
    for key, raw in values.items():
        if key not in clean and key not in problems and key not in {s.key for s in specs}:
            clean[key] = raw  # extra details are kept, not refused: nothing the requester said is lost
    return clean, problems

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n

from bot import texts

MSK = ZoneInfo("Europe/Moscow")
MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=MSK)
LOCALES = Path(__file__).resolve().parents[3] / "locales"


def test_deadline_words_today_tomorrow_weekday_and_date() -> None:
    assert texts.when(datetime(2026, 11, 16, 14, 30, tzinfo=MSK), now=MONDAY, tz=MSK) == "до 14:30"
    assert texts.when(datetime(2026, 11, 17, 9, 0, tzinfo=MSK), now=MONDAY, tz=MSK) == "до 09:00 завтра"
    assert texts.when(datetime(2026, 11, 20, 18, 0, tzinfo=MSK), now=MONDAY, tz=MSK) == "до 18:00 пятницы"
    assert texts.when(datetime(2026, 11, 23, 18, 0, tzinfo=MSK), now=MONDAY, tz=MSK) == "до 18:00 23.11"


def test_deadline_is_shown_in_the_users_time_zone() -> None:
    utc_due = datetime(2026, 11, 16, 20, 30, tzinfo=ZoneInfo("UTC"))  # 23:30 in Moscow, still Monday
    assert texts.when(utc_due, now=MONDAY, tz=MSK) == "до 23:30"
    assert texts.when(utc_due, now=MONDAY, tz=ZoneInfo("Asia/Vladivostok")) == "до 06:30 завтра"


def test_deadlines_line_in_russian_and_english() -> None:
    due = {"reaction": datetime(2026, 11, 16, 14, 30, tzinfo=MSK), "diagnosis": None,
           "resolution": datetime(2026, 11, 20, 18, 0, tzinfo=MSK)}
    assert texts.deadlines_line(due, now=MONDAY, tz=MSK) == "Ответим до 14:30, решим до 18:00 пятницы"
    assert texts.deadlines_line({}, now=MONDAY, tz=MSK) == ""
    i18n = I18n(path=LOCALES, default_locale="ru", domain="messages")
    with i18n.context(), i18n.use_locale("en"):
        assert texts.deadlines_line(due, now=MONDAY, tz=MSK) == \
            "We will respond by 14:30, we will resolve it by 18:00 on Friday"


def test_card_escapes_user_input_and_tells_history_in_plain_words() -> None:
    ticket = SimpleNamespace(number="SD-000007", type="incident", status="waiting_user", priority=2,
                             pending_question="Какой <b>браузер</b>?", solution=None,
                             fields={"actual": "ошибка <script>", "occurred_at": "2026-11-16T07:00:00+00:00"})
    history = [SimpleNamespace(at=datetime(2026, 11, 16, 11, 5, tzinfo=MSK), action="take", details={}),
               SimpleNamespace(at=datetime(2026, 11, 16, 11, 20, tzinfo=MSK), action="request_info", details={})]
    card = texts.ticket_card(ticket, service_name="NTTM & Co", tz=MSK, history=history)
    assert "ошибка &lt;script&gt;" in card and "Какой &lt;b&gt;браузер&lt;/b&gt;?" in card
    assert "NTTM &amp; Co" in card and "16.11.2026 10:00" in card
    assert "16.11 11:05 — взято в работу\n16.11 11:20 — специалист задал вопрос" in card
    assert "ждёт вашего ответа" in card and "2 — высокий" in card


def test_every_status_and_history_action_has_words() -> None:
    from core.tickets.lifecycle import Action, Status

    assert set(texts.STATUS) == {s.value for s in Status}
    assert {a.value for a in Action} | {"register", "comment"} <= set(texts.HISTORY)


def test_a_curators_refusal_is_not_shown_as_a_solution() -> None:
    ticket = SimpleNamespace(number="SD-000006", type="access_request", status="closed", priority=3,
                             approval="rejected", pending_question=None,
                             solution="Роль администратора выдаётся только по служебной записке", fields={})
    card = texts.ticket_card(ticket, service_name="NTTM", tz=MSK)
    assert "Статус: отказано куратором МРФ" in card
    assert "⛔ Причина отказа: Роль администратора" in card and "Решение" not in card

"""Forum mode's small rules: what is an internal note, a topic's name and colour."""

from __future__ import annotations

from bot.staffchat.topics import BLUE, GREEN, NAME_LIMIT, RED, VIOLET, topic_color, topic_name
from handlers.forum_topic import split_note


def test_note_command_and_internal_tag_mark_a_note() -> None:
    assert split_note("/note клиент VIP") == ("клиент VIP", True)
    assert split_note("/note@support_bot клиент VIP") == ("клиент VIP", True)
    assert split_note("сбой балансировщика #ВНУТР") == ("сбой балансировщика #ВНУТР", True)
    assert split_note("Перезапустили сервис") == ("Перезапустили сервис", False)
    assert split_note("/notebook") == ("/notebook", False)


def test_topic_name_has_number_and_title_within_telegrams_limit() -> None:
    assert topic_name("SD-000042", "Не  открывается\nкарточка") == "SD-000042 · Не открывается карточка"
    long = topic_name("SD-000042", "а" * 300)
    assert len(long) == NAME_LIMIT and long.endswith("…")


def test_topic_colour_by_status_and_critical_red() -> None:
    assert topic_color("assigned", 3) == BLUE
    assert topic_color("waiting_user", 2) == VIOLET
    assert topic_color("in_progress", 1) == RED
    assert topic_color("resolved", 1) == GREEN

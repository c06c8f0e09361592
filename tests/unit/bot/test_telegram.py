"""Safe sending helpers: escaping, splitting on line boundaries, plain-text fallback; delivery texts."""

from __future__ import annotations

from bot.delivery.render import Texts, render
from bot.telegram import LIMIT, escape, split_text, to_plain


def test_escape_neutralises_markup() -> None:
    assert escape("<b>x</b> & <script>") == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;"


def test_short_text_is_one_piece() -> None:
    assert split_text("привет\nмир") == ["привет\nмир"]


def test_split_on_line_boundaries_within_the_limit() -> None:
    lines = [f"строка {i:04d} " + "ж" * 80 for i in range(200)]
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) > 1 and all(len(p) <= LIMIT for p in parts)
    assert [ln for p in parts for ln in p.split("\n")] == lines  # no line cut in the middle, none lost


def test_a_giant_line_is_cut_at_spaces_then_hard() -> None:
    words = "слово " * 2000
    parts = split_text(words)
    assert all(len(p) <= LIMIT for p in parts) and "".join(parts).replace(" ", "") == words.replace(" ", "")
    blob = "x" * (LIMIT * 2 + 10)
    assert [len(p) for p in split_text(blob)] == [LIMIT, LIMIT, 10]


def test_to_plain_drops_tags_and_entities() -> None:
    assert to_plain("<b>SD-000001</b> &lt;ok&gt;") == "SD-000001 <ok>"


def test_render_skips_events_not_for_the_requester() -> None:
    tr = Texts(None, "ru")
    base = {"ticket_id": 1, "number": "SD-000001", "requester_id": 5}
    assert render("sla.breach", base, channel=None, tr=tr) is None
    assert render("ticket.registered", base, channel="telegram", tr=tr) is None
    assert render("ticket.comment", {**base, "public": False, "actor_kind": "staff"}, channel=None, tr=tr) is None
    assert render("ticket.change_priority", base, channel=None, tr=tr) is None
    notice = render("ticket.escalate", base, channel=None, tr=tr)
    assert notice is not None and "продолжается работа" in notice.text and "<b>SD-000001</b>" in notice.text


def test_autoclose_is_announced_as_such() -> None:
    notice = render("ticket.close", {"number": "SD-000002", "actor_kind": "system"}, channel=None,
                    tr=Texts(None, "ru"))
    assert notice is not None and "автоматически" in notice.text


def test_resolve_notice_promises_auto_closing_only_where_it_is_on() -> None:
    base = {"number": "SD-000003", "ticket_id": 3, "text": "Перезапущен сервис"}
    off = render("ticket.resolve", base, channel=None, tr=Texts(None, "ru"), autoclose_days=3)
    on = render("ticket.resolve", {**base, "autoclose": True}, channel=None, tr=Texts(None, "ru"), autoclose_days=3)
    assert off is not None and "раб. дн." not in off.text and "после вашего подтверждения" in off.text
    assert on is not None and "через 3 раб. дн." in on.text

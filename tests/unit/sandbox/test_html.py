"""The sandbox's HTML parse mode: the plain text and entities Telegram derives, or its refusal."""

from __future__ import annotations

import pytest

from sandbox.html import HtmlError, html_plain_length, parse_html


def test_plain_text_and_entities_with_utf16_offsets() -> None:
    plain, entities = parse_html("😀 <b>жирный</b> &lt;x&gt; <a href=\"https://e.x/?a=1&amp;b=2\">ссылка</a>")
    assert plain == "😀 жирный <x> ссылка"
    assert entities == [{"type": "bold", "offset": 3, "length": 6},  # the emoji counts 2 in UTF-16
                        {"type": "text_link", "offset": 14, "length": 6, "url": "https://e.x/?a=1&b=2"}]


def test_pre_with_a_language_is_one_entity_and_nesting_is_kept() -> None:
    plain, entities = parse_html('<pre><code class="language-python">x = 1</code></pre><b><i>bi</i></b>')
    assert plain == "x = 1bi"
    assert {"type": "pre", "offset": 0, "length": 5, "language": "python"} in entities
    assert [e["type"] for e in entities[1:]] == ["bold", "italic"]


def test_spoiler_blockquote_and_empty_tags() -> None:
    plain, entities = parse_html('<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote><b></b>')
    assert plain == "sq" and [e["type"] for e in entities] == ["spoiler", "expandable_blockquote"]


@pytest.mark.parametrize(("text", "error"), [
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<br>", 'Unsupported start tag "br" at byte offset 0'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("я <b", "Unclosed start tag at byte offset 3"),
])
def test_refusals_carry_tdlibs_wording(text: str, error: str) -> None:
    with pytest.raises(HtmlError) as exc:
        parse_html(text)
    assert str(exc.value) == error


def test_a_bare_ampersand_is_text_for_tdlib_and_refused_by_the_strict_tests() -> None:
    assert parse_html("a & b")[0] == "a & b"
    with pytest.raises(HtmlError, match='Unescaped "&" at byte offset 2'):
        html_plain_length("a & b")

"""Telegram's HTML parse mode: plain text and entities, or the refusal tdlib gives for the markup."""

from __future__ import annotations

import html
import re
from typing import Any

# tdlib's HTML subset (https://core.telegram.org/bots/api#html-style)
TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
                  "span", "blockquote", "tg-emoji"})
_KIND = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
         "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "code": "code", "pre": "pre",
         "tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote", "a": "text_link",
         "tg-emoji": "custom_emoji"}
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_ATTR = re.compile(r"""\s*([a-zA-Z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


class HtmlError(ValueError):
    """The text after «Bad Request: can't parse entities: »."""


def _offset(text: str, i: int) -> int:
    return len(text[:i].encode("utf-8"))


def _u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _attrs(text: str, start: int, raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    pos = 0
    while raw[pos:].strip():
        m = _ATTR.match(raw, pos)
        if m is None or m.end() == pos:
            raise HtmlError(f"Expected equal sign in declaration of an attribute of the tag at byte offset "
                            f"{_offset(text, start)}")
        values = [g for g in m.groups()[1:] if g is not None]
        attrs[m.group(1).lower()] = html.unescape(values[0]) if values else ""
        pos = m.end()
    return attrs


def parse_html(text: str, *, strict_ampersand: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and its entities (offsets in UTF-16 code units, as the Bot API gives them).

    `strict_ampersand` refuses a bare `&` that starts no entity (tdlib keeps it as text): the product's tests
    use it because it means user input reached the markup unescaped.
    """
    stack: list[tuple[str, dict[str, str], int]] = []
    opened = 0
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    pos16, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            m = _ENTITY.match(text, i)
            if m is None:
                if strict_ampersand:
                    raise HtmlError(f"Unescaped \"&\" at byte offset {_offset(text, i)}")
                out.append("&")
                pos16, i = pos16 + 1, i + 1
                continue
            ch = html.unescape(m.group(0))
            out.append(ch)
            pos16, i = pos16 + _u16(ch), m.end()
            continue
        if c != "<":
            j = i
            while j < n and text[j] not in "&<":
                j += 1
            chunk = text[i:j]
            out.append(chunk)
            pos16, i = pos16 + _u16(chunk), j
            continue
        end = text.find(">", i)
        if text.startswith("</", i):
            if end < 0:
                raise HtmlError(f"Unclosed end tag at byte offset {_offset(text, i)}")
            name = text[i + 2:end].strip().lower()
            if not stack:
                raise HtmlError(f"Unexpected end tag at byte offset {_offset(text, i)}")
            if name and name != stack[-1][0]:
                raise HtmlError(f"Unmatched end tag at byte offset {_offset(text, i)}, expected "
                                f"\"</{stack[-1][0]}>\", found \"</{name}>\"")
            tag, attrs, start = stack.pop()
            _close(entities, tag, attrs, start, pos16, stack)
            i = end + 1
            continue
        if end < 0:
            raise HtmlError(f"Unclosed start tag at byte offset {_offset(text, i)}")
        body = text[i + 1:end]
        name = re.split(r"\s", body, maxsplit=1)[0].lower()
        if name not in TAGS:
            raise HtmlError(f"Unsupported start tag \"{name}\" at byte offset {_offset(text, i)}")
        attrs = _attrs(text, i, body[len(name):])
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlError(f"Tag \"span\" must have class \"tg-spoiler\" at byte offset {_offset(text, i)}")
        if name == "tg-emoji" and "emoji-id" not in attrs:
            raise HtmlError(f"Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset {_offset(text, i)}")
        attrs["_open"] = str(opened)
        opened += 1
        stack.append((name, attrs, pos16))
        i = end + 1
    if stack:
        raise HtmlError(f"Can't find end tag corresponding to start tag \"{stack[-1][0]}\"")
    # outer entities first where two cover the same text (Telegram's order); opening order breaks the tie
    entities.sort(key=lambda e: (e["offset"], -e["length"], e.pop("_open")))
    return "".join(out), entities


def _close(entities: list[dict[str, Any]], tag: str, attrs: dict[str, str], start: int, end: int,
           stack: list[tuple[str, dict[str, str], int]]) -> None:
    if end <= start:
        return  # Telegram drops empty entities
    kind = _KIND[tag]
    ent: dict[str, Any] = {"type": kind, "offset": start, "length": end - start, "_open": int(attrs["_open"])}
    if tag == "a":
        href = attrs.get("href", "")
        if href.startswith("tg://user?id="):
            ent = {"type": "text_mention", "offset": start, "length": end - start, "_open": ent["_open"],
                   "user": {"id": int(href.rpartition("=")[2] or 0), "is_bot": False, "first_name": ""}}
        elif not href:
            return
        else:
            ent["url"] = href
    elif tag == "tg-emoji":
        ent["custom_emoji_id"] = attrs["emoji-id"]
    elif tag == "blockquote" and "expandable" in attrs:
        ent["type"] = "expandable_blockquote"
    elif tag == "code" and stack and stack[-1][0] == "pre":
        lang = attrs.get("class", "")
        if lang.startswith("language-"):
            # `<pre><code class="language-x">` is one pre entity with a language, not two entities
            stack[-1][1]["language"] = lang[len("language-"):]
            return
    elif tag == "pre" and attrs.get("language"):
        ent["language"] = attrs["language"]
    entities.append(ent)


def html_plain_length(text: str, *, strict_ampersand: bool = True) -> int:
    """Length of `text` after Telegram parsed its HTML (code points); HtmlError where tdlib would refuse it."""
    return len(parse_html(text, strict_ampersand=strict_ampersand)[0])

"""Plain-text snippet of an article around the first matched word."""

from __future__ import annotations

from collections.abc import Callable, Collection

from kb.search.text import words

SNIPPET_LEN = 160


def make_snippet(plain: str, terms: Collection[str], canonical: Callable[[str], str]) -> str:
    """Return about SNIPPET_LEN characters of plain text, starting a little before the first matched word."""
    plain = " ".join(plain.split())
    if len(plain) <= SNIPPET_LEN:
        return plain
    low = plain.lower().replace("ё", "е")
    start = 0
    for w in words(plain):
        if canonical(w) in terms:
            pos = low.find(w)
            if pos >= 0:
                start = max(0, pos - 40)
                break
    if start:
        space = plain.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    cut = plain[start : start + SNIPPET_LEN]
    if start + SNIPPET_LEN < len(plain):
        cut = cut.rsplit(" ", 1)[0] + "…"
    return ("…" if start else "") + cut

"""What a question asks for and what an article is about: a how-to question is not answered by a fault article.

Support articles come in two kinds: a fault and its cure («Принтер не печатает», «Почтовый ящик переполнен»)
and a how-to («Как подключиться к VPN из дома»). People ask in the same two ways. A question that only asks how
to do something («как поменять фото в профиле», «хотим подключить новый канал»), with no trouble in it, shares
the system's words with the fault articles of that system but is not answered by any of them: the commonest
false offer on the hard hold-outs. Rules, not a model; the title says what an article is about.
"""

from __future__ import annotations

import re

_HOW_RE = re.compile(
    r"(?:^|[.!?:,]\s*|\b(?:подскажите|скажите|объясните|пожалуйста|вопрос)\s*,?\s*)"
    r"(?:как|где|каким образом|можно ли|куда|кто может|есть ли|сколько)\b"
    r"|\b(?:хочу|хотим|хотелось бы|нужно|надо|нужен|нужна|нужны)\b"
)
# Trouble in a question or a title: a negated verb or a word that names a failure.
_FAULT_RE = re.compile(
    r"\b(?:не|нет|ни)\s+\w+|\bошиб\w*|\berror\b|\bпропа\w*|\bслома\w*|\bзавис\w*|\bвисит\b|\bвиснет\b|\bтормоз\w*|"
    r"\bтупит\b|\bглюч\w*|\bсбо[йи]\w*|\bмига\w*|\bмерца\w*|\bзажева\w*|\bполос\w*|\bбледн\w*|\bкрутит\w*|"
    r"\bпуст\w*|\bотказ\w*|\bзаблокир\w*|\bпереполн\w*|\bзаполнен\w*|\bисте[кч]\w*|\bистёк\w*|\bневерн\w*|"
    r"\bвылета\w*|\bгасн\w*|\bпадает\b|\bупал\w*|\bдубл\w*|\bнеправильн\w*|\bперестал\w*"
)
_HOW_TITLE_RE = re.compile(r"^\s*(?:[\w\- ]+:\s*)?(?:как|где)\b")


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def asks_how(query: str) -> bool:
    """The question asks how to do something and names no trouble."""
    low = _fold(query)
    return bool(_HOW_RE.search(low)) and not _FAULT_RE.search(low)


def fault_title(title: str) -> bool:
    """The article is about a fault (its title names trouble and is not a how-to)."""
    low = _fold(title)
    return bool(_FAULT_RE.search(low)) and not _HOW_TITLE_RE.search(low)

"""Text normalisation: HTML stripping, tokens, keyboard-layout repair, stemming, synonym phrases."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Protocol

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from kb.search.stopwords import SERVICE_WORDS, STOP_WORDS, WEAK_WORDS

_RU = "йцукенгшщзхъфывапролджэячсмитьбюё"
_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
# Shifted keys produce the upper-case Russian letters of the same key.
_EN_SHIFT = '{}:"<>~'
_RU_SHIFT = "хъжэбюё"
EN_TO_RU: dict[str, str] = {**dict(zip(_EN, _RU, strict=True)), **dict(zip(_EN_SHIFT, _RU_SHIFT, strict=True))}

_TAG_RE = re.compile(r"<[^>]+>")
_MD_RE = re.compile(r"[*_`#>]+")
_DASH_RE = re.compile(r"[\u2010-\u2015\u2212-]")
_TOKEN_RE = re.compile(r"[a-zа-я0-9]+")
_LATIN_RE = re.compile(r"[a-z]")
_CYR_RE = re.compile(r"[а-я]")

class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...


_stemmer: _Stemmer = snowballstemmer.stemmer("russian")
_en_stemmer: _Stemmer = snowballstemmer.stemmer("english")


def strip_markup(text: str) -> str:
    """Return plain text from simple HTML/Markdown (tags removed, entities decoded)."""
    text = _TAG_RE.sub(" ", text)
    text = html.unescape(text)
    text = _MD_RE.sub(" ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def fold(text: str) -> str:
    """Lowercase, ё→е, every dash to a plain space-separated hyphen."""
    return _DASH_RE.sub(" ", text.lower().replace("ё", "е"))


def words(text: str) -> list[str]:
    """Split folded text into word tokens."""
    return _TOKEN_RE.findall(fold(text))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one folded word; ъ/ь are dropped after stemming because typists confuse them."""
    if _CYR_RE.search(word):
        s = _stemmer.stemWord(word)
        return s.replace("ъ", "").replace("ь", "") or s
    if word.isdigit():
        return word
    return _en_stemmer.stemWord(word)


def to_russian_layout(chunk: str) -> str:
    """Map text typed on the QWERTY layout to what the same keys give on ЙЦУКЕН."""
    return "".join(EN_TO_RU.get(ch, ch) for ch in chunk.lower())


# What a service name counts for in a query's coverage (see SERVICE_WORDS).
SERVICE_WEIGHT = 0.15


def term_weight(word: str) -> float:
    """Base informativeness of a (folded) query word before document frequency is considered."""
    if stem(word) in _service_stems():
        return SERVICE_WEIGHT
    if word in WEAK_WORDS or stem(word) in _weak_stems():
        return 0.35
    if word.isdigit():
        return 0.3 if len(word) >= 3 else 0.0
    return 1.0


@lru_cache(maxsize=50_000)
def near_stop_word(word: str) -> bool:
    """Whether a word reads as a misspelt stop word («миня», «скажитее»): one slip from one, both of 4+ letters."""
    if len(word) < 4 or not _CYR_RE.search(word):
        return False
    return process.extractOne(word, _long_stops(), scorer=Levenshtein.distance, score_cutoff=1) is not None


@lru_cache(maxsize=1)
def _long_stops() -> tuple[str, ...]:
    # Two-letter stop words are one slip from too many real stems («он» → «от», «ок»).
    return tuple(w for w in STOP_WORDS if len(w) >= 3)


@lru_cache(maxsize=1)
def _service_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in SERVICE_WORDS)


@lru_cache(maxsize=1)
def _weak_stems() -> frozenset[str]:
    # Stem level, so misspelt forms («работаит») stay weak too.
    return frozenset(stem(w) for w in WEAK_WORDS)


class Analyzer:
    """Turns text into canonical terms: stems, with synonym phrases collapsed to one group id."""

    def __init__(self, groups: Sequence[Sequence[str]] = ()) -> None:
        self._phrases: dict[tuple[str, ...], str] = {}
        # first stem -> longest phrase starting with it: most words start none, and skip the n-gram probes
        self._starts: dict[str, int] = {}
        self._max_len = 1
        self._reversed: list[tuple[tuple[str, ...], str]] = []
        for group in groups:
            members = [tuple(stem(w) for w in words(m)) for m in group]
            members = [m for m in members if m]
            if not members:
                continue
            gid = "~" + "_".join(members[0])
            for m in members:
                self._phrases.setdefault(m, gid)
                self._max_len = max(self._max_len, len(m))
            # Russian word order is free: «экран черный» is «черный экран». Set after every group's own
            # wording, so a reversed pair never takes a phrase another group owns.
            self._reversed.extend((m[::-1], gid) for m in members if len(m) == 2)
        for m, gid in self._reversed:
            self._phrases.setdefault(m, gid)
        for m in self._phrases:
            self._starts[m[0]] = max(self._starts.get(m[0], 0), len(m))

    def terms(self, text: str, *, drop_stop: bool = False, expand: bool = False) -> list[tuple[str, str]]:
        """Return (term, surface word) pairs; synonym phrases are matched before stop words are dropped."""
        ws = words(text)
        stems = [stem(w) for w in ws]
        out: list[tuple[str, str]] = []
        i = 0
        starts = self._starts
        while i < len(ws):
            if stems[i] not in starts:
                if not (drop_stop and (ws[i] in STOP_WORDS or term_weight(ws[i]) == 0.0)):
                    out.append((stems[i], ws[i]))
                i += 1
                continue
            for n in range(min(starts[stems[i]], len(ws) - i), 0, -1):
                gid = self._phrases.get(tuple(stems[i : i + n]))
                if gid is not None:
                    out.append((gid, " ".join(ws[i : i + n])))
                    if expand and n > 1:
                        # Documents also answer for the phrase's own words, so partial wording still finds them.
                        out.extend((self.canonical(w), w) for w in ws[i : i + n] if w not in STOP_WORDS)
                    i += n
                    break
            else:
                if not (drop_stop and (ws[i] in STOP_WORDS or term_weight(ws[i]) == 0.0)):
                    out.append((stems[i], ws[i]))
                i += 1
        return out

    def fix_layout(self, query: str, known: Callable[[str], bool]) -> str:
        """Re-type Latin chunks on the Russian layout where that variant reads as known words."""
        chunks = query.split()
        decisions: list[bool | None] = []
        variants: list[str] = []
        for chunk in chunks:
            low = chunk.lower()
            if not _LATIN_RE.search(low) or _CYR_RE.search(low):
                decisions.append(False)
                variants.append(chunk)
                continue
            stripped = low.rstrip("?!")
            # A trailing , or . is as likely sentence punctuation as a б/ю key: keep the better reading.
            cands = [to_russian_layout(stripped), to_russian_layout(stripped.rstrip(",."))]
            ru = max(cands, key=lambda c: self._known_share(c, known))
            ru_score = self._known_share(ru, known)
            en_score = self._known_share(low, known)
            variants.append(ru)
            if ru_score > en_score:
                decisions.append(True)
            elif en_score > ru_score:
                decisions.append(False)
            else:
                decisions.append(None)
        # Undecided chunks follow the rest of the message: people do not switch layout mid-word.
        flips = sum(d is True for d in decisions)
        latin = [_LATIN_RE.search(c.lower()) is not None for c in chunks]
        keeps = sum(d is False and lat for d, lat in zip(decisions, latin, strict=True))
        default = flips > keeps
        out = [
            var if (d is True or (d is None and default)) else chunk
            for d, var, chunk in zip(decisions, variants, chunks, strict=True)
        ]
        return " ".join(out)

    def _known_share(self, text: str, known: Callable[[str], bool]) -> float:
        ws = words(text)
        if not ws:
            return 0.0
        hits = sum(1 for w in ws if w in STOP_WORDS or w in WEAK_WORDS or known(w))
        return hits / len(ws)

    def canonical(self, word: str) -> str:
        """Canonical term of a single folded word (its synonym group id or its stem)."""
        s = stem(word)
        return self._phrases.get((s,), s)

"""Query-term lookup: which index terms a (possibly misspelt) query stem may stand for."""

from __future__ import annotations

import bisect
import math
from collections.abc import Collection, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from kb.search.text import Analyzer, stem, words

_PREFIX_FACTOR = 0.8
# Verb and noun endings the Snowball stemmer sometimes leaves on a stem.
_ENDINGS = ("ат", "ят", "ут", "ют", "ит", "ет", "ам", "ям", "ом", "ем", "а", "я", "у", "ю", "ы", "и", "е", "о")
_FUZZY_CUTOFF = 78.0
# Distinct query stems seen between two index changes; bounded so a flood of junk queries cannot grow memory.
_CACHE_MAX = 50_000


class TermLookup:
    """Immutable snapshot of the index vocabulary; rebuilt after every index change, so its cache never lies."""

    def __init__(self, terms: Collection[str], groups: Sequence[Sequence[str]], analyzer: Analyzer) -> None:
        self._terms = terms
        # Single-word synonym members are searchable spellings of their group id, so typos in them count.
        self.alias: dict[str, str] = {}
        for group in groups:
            for member in group:
                ws = words(member)
                if len(ws) == 1:
                    gid = analyzer.canonical(ws[0])
                    if gid in terms:
                        self.alias.setdefault(stem(ws[0]), gid)
        for term in terms:
            if not term.startswith("~"):
                self.alias.setdefault(term, term)
        self._sorted = sorted(self.alias)
        self._by_len: dict[int, list[str]] = {}
        for s in self._sorted:
            self._by_len.setdefault(len(s), []).append(s)
        self._pools: dict[int, list[str]] = {}
        self._cache: dict[str, tuple[tuple[str, float], ...]] = {}

    def expand(self, term: str) -> tuple[tuple[str, float], ...]:
        """Index terms a query term may stand for, with how much to trust each reading (cached)."""
        found = self._cache.get(term)
        if found is None:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            found = self._cache[term] = tuple(self._expand(term))
        return found

    def clear_cache(self) -> None:
        """Forget cached expansions."""
        self._cache.clear()

    def _pool(self, n: int) -> list[str]:
        pool = self._pools.get(n)
        if pool is None:
            pool = self._pools[n] = [c for m in range(n - 2, n + 3) for c in self._by_len.get(m, ())]
        return pool

    def _expand(self, term: str) -> list[tuple[str, float]]:
        if term in self._terms:
            found = [(term, 1.0)]
            if term.startswith("~"):
                return found
        else:
            found = []
            if term.startswith("~"):
                return found
        best: dict[str, float] = dict(found)
        if not found:
            # The stemmer leaves some inflections on («слышат» keeps its «ат»): a known stem
            # of 4+ letters followed by a bare ending is that stem.
            for end in _ENDINGS:
                base = term[: -len(end)]
                if term.endswith(end) and len(base) >= 4 and base in self.alias:
                    tgt = self.alias[base]
                    best[tgt] = max(best.get(tgt, 0.0), _PREFIX_FACTOR)
        if len(term) >= 5:
            lo = bisect.bisect_left(self._sorted, term[:5])
            hi = bisect.bisect_right(self._sorted, term[:5] + "\uffff")
            for cand in self._sorted[lo:hi][:200]:
                if cand == term or abs(len(cand) - len(term)) > 4:
                    continue
                need = max(5, math.ceil(0.75 * max(len(cand), len(term))))
                if _common_prefix_len(cand, term) >= need:
                    tgt = self.alias[cand]
                    best[tgt] = max(best.get(tgt, 0.0), _PREFIX_FACTOR)
        if not found and len(term) >= 4:
            # One wrong letter in a four-letter stem scores 75.
            cutoff = _FUZZY_CUTOFF if len(term) > 4 else 75.0
            # The ratio counts a wrong letter twice; the edit distance keeps stems up to 8 letters to one slip:
            # «кадр» does not read as «скад(а)», «справк» as «прав», nor «корпорат» as a name «корорт».
            max_edits = 1 if len(term) <= 8 else 2
            close = process.extract(term, self._pool(len(term)), scorer=Levenshtein.distance, score_cutoff=max_edits)
            scored = sorted(((fuzz.ratio(term, cand), cand) for cand, _, _ in close), reverse=True)
            for score, cand in scored[:3]:
                if score < cutoff:
                    break
                if not _same_onset(term, cand):
                    continue
                tgt = self.alias[cand]
                best[tgt] = max(best.get(tgt, 0.0), (score / 100.0) ** 2)
        return list(best.items())


# Vowels people confuse by ear at the start of a word («екран», «абьект»).
_ONSET_CONFUSED = ({"е", "э", "и"}, {"а", "о"})


def _same_onset(a: str, b: str) -> bool:
    """Whether two stems start alike: hurried typists slip inside a word, rarely on its first letter."""
    if a[0] == b[0]:
        return True
    return any(a[0] in g and b[0] in g for g in _ONSET_CONFUSED)


def _common_prefix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n

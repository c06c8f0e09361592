"""In-memory inverted index with typo tolerance and a KB-size-independent confidence."""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from kb.search.models import ArticleDoc, Hit
from kb.search.stopwords import STOP_WORDS
from kb.search.text import Analyzer, stem, strip_markup, term_weight, words

# Where a word is found says how central it is to the article: title and tags describe the problem,
# the body also mentions side topics.
_FIELD_FACTOR = {"title": 1.0, "tags": 1.0, "body": 0.6}
_FIELD_TF = {"title": 3.0, "tags": 2.0, "body": 1.0}
_PREFIX_FACTOR = 0.8
_PHRASE_PART = 0.7
_FUZZY_CUTOFF = 78.0
_K1, _B = 1.2, 0.75
_SNIPPET = 160
_RERANK = 30


@dataclass
class _Entry:
    doc: ArticleDoc
    plain: str
    tf: dict[str, float]
    field: dict[str, float]
    length: float


class SearchIndex:
    """Knowledge-base search: rebuild/upsert/remove articles, ask for confident hits."""

    def __init__(
        self, *, synonyms: Sequence[Sequence[str]] = (), threshold: float = 0.5, relative_cut: float = 0.7
    ) -> None:
        self.threshold = threshold
        self.relative_cut = relative_cut
        self._groups = [list(g) for g in synonyms]
        self._analyzer = Analyzer(self._groups)
        self._docs: dict[int, _Entry] = {}
        self._post: dict[str, dict[int, tuple[float, float]]] = {}
        self._total_len = 0.0
        self._lookup_dirty = True
        self._sorted: list[str] = []
        self._by_len: dict[int, list[str]] = {}
        self._alias: dict[str, str] = {}

    # ----- maintenance -------------------------------------------------------------------------------
    def rebuild(self, docs: Iterable[ArticleDoc]) -> None:
        """Replace the whole index with these articles."""
        self._docs.clear()
        self._post.clear()
        self._total_len = 0.0
        for doc in docs:
            self._add(doc)
        self._lookup_dirty = True

    def upsert(self, doc: ArticleDoc) -> None:
        """Add or replace one article without touching the others."""
        self.remove(doc.id)
        self._add(doc)
        self._lookup_dirty = True

    def remove(self, doc_id: int) -> None:
        """Forget one article; unknown ids are ignored."""
        entry = self._docs.pop(doc_id, None)
        if entry is None:
            return
        self._total_len -= entry.length
        for term in entry.tf:
            posting = self._post.get(term)
            if posting is not None:
                posting.pop(doc_id, None)
                if not posting:
                    del self._post[term]
        self._lookup_dirty = True

    def set_synonyms(self, groups: Sequence[Sequence[str]]) -> None:
        """Replace the synonym groups and re-index every article with them."""
        self._groups = [list(g) for g in groups]
        self._analyzer = Analyzer(self._groups)
        self.rebuild([e.doc for e in list(self._docs.values())])

    def __len__(self) -> int:
        return len(self._docs)

    def _add(self, doc: ArticleDoc) -> None:
        plain = strip_markup(doc.body)
        tf: Counter[str] = Counter()
        field: dict[str, float] = {}
        parts = {"title": doc.title, "tags": " , ".join(doc.tags), "body": plain}
        for name, text in parts.items():
            for term, _ in self._analyzer.terms(text, expand=True):
                tf[term] += _FIELD_TF[name]
                field[term] = max(field.get(term, 0.0), _FIELD_FACTOR[name])
        length = float(sum(tf.values()))
        self._docs[doc.id] = _Entry(doc, plain, dict(tf), field, length)
        self._total_len += length
        for term, f in tf.items():
            self._post.setdefault(term, {})[doc.id] = (f, field[term])

    def _refresh_lookup(self) -> None:
        if not self._lookup_dirty:
            return
        # Single-word synonym members are searchable spellings of their group id, so typos in them count.
        self._alias = {}
        for group in self._groups:
            for member in group:
                ws = words(member)
                if len(ws) == 1:
                    gid = self._analyzer.canonical(ws[0])
                    if gid in self._post:
                        self._alias.setdefault(stem(ws[0]), gid)
        for term in self._post:
            if not term.startswith("~"):
                self._alias.setdefault(term, term)
        self._sorted = sorted(self._alias)
        self._by_len = {}
        for s in self._sorted:
            self._by_len.setdefault(len(s), []).append(s)
        self._lookup_dirty = False

    # ----- query side --------------------------------------------------------------------------------
    def _expand(self, term: str) -> list[tuple[str, float]]:
        """Index terms a query term may stand for, with how much to trust each reading."""
        if term in self._post:
            found = [(term, 1.0)]
            if term.startswith("~"):
                return found
        else:
            found = []
            if term.startswith("~"):
                return found
        best: dict[str, float] = {t: f for t, f in found}
        if len(term) >= 5:
            lo = bisect.bisect_left(self._sorted, term[:5])
            hi = bisect.bisect_right(self._sorted, term[:5] + "\uffff")
            for cand in self._sorted[lo:hi][:200]:
                if cand == term or abs(len(cand) - len(term)) > 4:
                    continue
                need = max(5, math.ceil(0.75 * min(len(cand), len(term))))
                if len(_common_prefix(cand, term)) >= need:
                    tgt = self._alias[cand]
                    best[tgt] = max(best.get(tgt, 0.0), _PREFIX_FACTOR)
        if not found and len(term) >= 4:
            pool = [c for n in range(len(term) - 2, len(term) + 3) for c in self._by_len.get(n, ())]
            # One wrong letter in a four-letter stem scores 75.
            cutoff = _FUZZY_CUTOFF if len(term) > 4 else 75.0
            for cand, score, _ in process.extract(term, pool, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3):
                tgt = self._alias[cand]
                best[tgt] = max(best.get(tgt, 0.0), (score / 100.0) ** 2)
        return list(best.items())

    def _known(self, word: str) -> bool:
        term = self._analyzer.canonical(word)
        if term in self._post or term in self._alias:
            return True
        return not term.startswith("~") and bool(self._expand(term))

    def _rank(self, query: str, service: str | None) -> list[tuple[float, float, int, set[str]]]:
        self._refresh_lookup()
        if not self._docs:
            return []
        text = self._analyzer.fix_layout(query, self._known)
        weights: dict[str, float] = {}
        parts: dict[str, list[str]] = {}
        for term, word in self._analyzer.terms(text, drop_stop=True):
            weights[term] = max(weights.get(term, 0.0), term_weight(word.split()[-1]))
            if " " in word:
                parts[term] = [self._analyzer.canonical(w) for w in word.split() if w not in STOP_WORDS]
        weights = {t: w for t, w in weights.items() if w > 0}
        if not weights:
            return []
        n_docs = len(self._docs)
        allowed = None if service is None else self._allowed(service)
        acc: dict[int, float] = {}
        eff_w: dict[str, float] = {}
        exp_of: dict[str, list[tuple[str, float]]] = {}
        for term, base in weights.items():
            expansions = self._expand(term)
            # A synonym phrase may be worded differently in the article: its own words count for less.
            known = {t for t, _ in expansions}
            expansions += [(p, _PHRASE_PART) for p in parts.get(term, ()) if p in self._post and p not in known]
            exp_of[term] = expansions
            df = max((len(self._post[t]) for t, f in expansions if f == 1.0), default=0)
            # A term found in many articles says little about which one is meant.
            w = eff_w[term] = base / (1.0 + 3.0 * df / (n_docs + 20))
            best: dict[int, float] = {}
            for tgt, factor in expansions:
                for doc_id, (_, ff) in self._post[tgt].items():
                    v = factor * ff
                    if v > best.get(doc_id, 0.0):
                        best[doc_id] = v
            for doc_id, v in best.items():
                if allowed is None or doc_id in allowed:
                    acc[doc_id] = acc.get(doc_id, 0.0) + w * v
        if not acc:
            return []
        total = sum(eff_w.values())
        # Long messages carry side details; judge coverage against the core of the question.
        denom = min(total, max(3.0, 0.5 * total))
        top = heapq.nlargest(_RERANK, acc.items(), key=lambda kv: (kv[1], -kv[0]))
        # BM25 only breaks near-ties among the strongest candidates, so it is computed for them alone.
        avg_len = self._total_len / n_docs
        ranked = []
        for doc_id, num in top:
            entry = self._docs[doc_id]
            bm, used = 0.0, set()
            for expansions in exp_of.values():
                for tgt, factor in expansions:
                    hit = self._post[tgt].get(doc_id)
                    if hit is None:
                        continue
                    used.add(tgt)
                    df = len(self._post[tgt])
                    idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
                    norm = hit[0] + _K1 * (1 - _B + _B * entry.length / avg_len)
                    bm += factor * idf * hit[0] * (_K1 + 1) / norm
            ranked.append([min(1.0, num / denom), bm, doc_id, used])
        top_bm = max(r[1] for r in ranked) or 1.0
        out = [(conf + 0.05 * bm / top_bm, conf, doc_id, used) for conf, bm, doc_id, used in ranked]
        out.sort(key=lambda r: (-r[0], r[2]))
        return out

    def _allowed(self, service: str) -> set[int]:
        return {i for i, e in self._docs.items() if e.doc.service in (None, service)}

    def score_all(self, query: str, *, limit: int = 10, service: str | None = None) -> list[Hit]:
        """Raw ranking with confidences, whatever their level (for debugging and evaluation)."""
        return [self._hit(doc_id, conf, terms) for _, conf, doc_id, terms in self._rank(query, service)[:limit]]

    def search(self, query: str, *, limit: int = 3, service: str | None = None) -> list[Hit]:
        """Only the hits confident enough to offer to a user, best first."""
        ranked = self._rank(query, service)
        if not ranked:
            return []
        best = max(conf for _, conf, _, _ in ranked)
        floor = max(self.threshold, self.relative_cut * best)
        return [self._hit(doc_id, conf, terms) for _, conf, doc_id, terms in ranked if conf >= floor][:limit]

    def _hit(self, doc_id: int, conf: float, terms: set[str]) -> Hit:
        entry = self._docs[doc_id]
        return Hit(id=doc_id, title=entry.doc.title, score=round(conf, 4), snippet=self._snippet(entry, terms))

    def _snippet(self, entry: _Entry, terms: set[str]) -> str:
        plain = " ".join(entry.plain.split())
        if len(plain) <= _SNIPPET:
            return plain
        low = plain.lower().replace("ё", "е")
        start = 0
        for w in words(plain):
            if self._analyzer.canonical(w) in terms:
                pos = low.find(w)
                if pos >= 0:
                    start = max(0, pos - 40)
                    break
        if start:
            space = plain.find(" ", start)
            start = space + 1 if 0 <= space < start + 20 else start
        cut = plain[start : start + _SNIPPET]
        if start + _SNIPPET < len(plain):
            cut = cut.rsplit(" ", 1)[0] + "…"
        return ("…" if start else "") + cut


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]

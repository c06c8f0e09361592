"""The lexical side of the search: an inverted index with typo tolerance and a KB-size-independent confidence.

SearchIndex (kb.search.index) adds the meaning signal and the offer gate on top of it.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kb.search.intent import fault_title
from kb.search.lookup import TermLookup
from kb.search.models import ArticleDoc, Hit
from kb.search.scoring import add_open, add_seen
from kb.search.snippet import make_snippet
from kb.search.stopwords import STOP_WORDS
from kb.search.text import Analyzer, near_stop_word, strip_markup, term_weight

# Where a word is found says how central it is to the article: title and tags describe the problem,
# the body also mentions side topics.
_FIELD_FACTOR = {"title": 1.0, "tags": 1.0, "body": 0.6}
_FIELD_TF = {"title": 3.0, "tags": 2.0, "body": 1.0}
_PHRASE_PART = 0.7
_K1, _B = 1.2, 0.75
RERANK = 30
# Coverage is judged against the core of the question: at least _CORE_MIN of its weight, or _CORE_SHARE of it.
_CORE_MIN, _CORE_SHARE = 3.0, 0.5

# Float slack for the pruning bound: admitting a few extra candidates is harmless, missing one is not.
_SLACK = 1e-9

Ranked = list[tuple[float, float, int, set[str]]]


@dataclass
class Entry:
    doc: ArticleDoc
    plain: str
    tf: dict[str, float]
    length: float


class LexicalIndex:
    """Articles by their words: rebuild/upsert/remove, and candidates ranked by lexical confidence."""

    def __init__(self, *, synonyms: Sequence[Sequence[str]] = (), threshold: float = 0.5, relative_cut: float = 0.7,
                 query_cache: int = 1024) -> None:
        self.threshold = threshold
        self.relative_cut = relative_cut
        self._groups = [list(g) for g in synonyms]
        self._analyzer = Analyzer(self._groups)
        self._docs: dict[int, Entry] = {}
        self._fault: set[int] = set()  # articles whose title names a fault
        # Per term: doc -> field factor (what scoring reads) and doc -> weighted tf (only BM25 reads it).
        self._ff: dict[str, dict[int, float]] = {}
        self._tf: dict[str, dict[int, float]] = {}
        self._total_len = 0.0
        self._lookup: TermLookup | None = None
        self._allowed_of: dict[str, frozenset[int]] = {}
        self._cache_size = query_cache
        self._cache: OrderedDict[tuple[str, str | None, int, float, float], tuple[Hit, ...]] = OrderedDict()

    # ----- maintenance -------------------------------------------------------------------------------
    def rebuild(self, docs: Iterable[ArticleDoc]) -> None:
        """Replace the whole index with these articles."""
        self._docs.clear()
        self._ff.clear()
        self._tf.clear()
        self._total_len = 0.0
        for doc in docs:
            self._add(doc)
        self._changed()

    def upsert(self, doc: ArticleDoc) -> None:
        """Add or replace one article without touching the others."""
        self._drop(doc.id)
        self._add(doc)
        self._changed()

    def remove(self, doc_id: int) -> None:
        """Forget one article; unknown ids are ignored."""
        if self._drop(doc_id):
            self._changed()

    def set_synonyms(self, groups: Sequence[Sequence[str]]) -> None:
        """Replace the synonym groups and re-index every article with them."""
        self._groups = [list(g) for g in groups]
        self._analyzer = Analyzer(self._groups)
        self.rebuild([e.doc for e in list(self._docs.values())])

    @property
    def analyzer(self) -> Analyzer:
        """How this index reads text (its synonym groups included)."""
        return self._analyzer

    def __len__(self) -> int:
        return len(self._docs)

    def drop_caches(self) -> None:
        """Forget cached queries and term readings (benchmarks use it to time cold searches)."""
        self._cache.clear()
        if self._lookup is not None:
            self._lookup.clear_cache()

    def _changed(self) -> None:
        # Every derived table and cache is tied to the index content, so any change drops them all.
        self._lookup = None
        self._allowed_of.clear()
        self._cache.clear()

    def _drop(self, doc_id: int) -> bool:
        entry = self._docs.pop(doc_id, None)
        self._fault.discard(doc_id)
        if entry is None:
            return False
        self._total_len -= entry.length
        for term in entry.tf:
            posting = self._ff.get(term)
            if posting is not None:
                posting.pop(doc_id, None)
                self._tf[term].pop(doc_id, None)
                if not posting:
                    del self._ff[term]
                    del self._tf[term]
        return True

    def _add(self, doc: ArticleDoc) -> None:
        plain = strip_markup(doc.body)
        tf: defaultdict[str, float] = defaultdict(float)
        field: dict[str, float] = {}
        parts = {"title": doc.title, "tags": " , ".join(doc.tags), "body": plain}
        for name, text in parts.items():
            # Counted per field in C (Counter), not term by term: rebuilding 10k articles is mostly this loop.
            weight, factor = _FIELD_TF[name], _FIELD_FACTOR[name]
            for term, n in Counter(t for t, _ in self._analyzer.terms(text, expand=True)).items():
                tf[term] += weight * n
                if field.get(term, 0.0) < factor:
                    field[term] = factor
        length = float(sum(tf.values()))
        self._docs[doc.id] = Entry(doc, plain, dict(tf), length)
        if fault_title(doc.title):
            self._fault.add(doc.id)
        self._total_len += length
        ff, tfs, doc_id = self._ff, self._tf, doc.id
        for term, f in tf.items():
            posting = ff.get(term)
            if posting is None:
                ff[term], tfs[term] = {doc_id: field[term]}, {doc_id: f}
            else:
                posting[doc_id] = field[term]
                tfs[term][doc_id] = f

    def _terms(self) -> TermLookup:
        if self._lookup is None:
            self._lookup = TermLookup(self._ff.keys(), self._groups, self._analyzer)
        return self._lookup

    def _allowed(self, service: str) -> frozenset[int]:
        allowed = self._allowed_of.get(service)
        if allowed is None:
            allowed = frozenset(i for i, e in self._docs.items() if e.doc.service in (None, service))
            self._allowed_of[service] = allowed
        return allowed

    # ----- query side --------------------------------------------------------------------------------
    def _known(self, word: str) -> bool:
        lookup = self._terms()
        term = self._analyzer.canonical(word)
        if term in self._ff or term in lookup.alias:
            return True
        return not term.startswith("~") and bool(lookup.expand(term))

    def _join_split(self, text: str) -> str:
        """Glue a word split in two («е мейл», «гарни тура») when neither half is known and the whole is."""
        chunks = text.split()
        out: list[str] = []
        i = 0
        while i < len(chunks):
            a = chunks[i]
            b = chunks[i + 1] if i + 1 < len(chunks) else ""
            if b.isalpha() and a.isalpha() and not (self._known(a) and self._known(b)) and self._known(a + b):
                out.append(a + b)
                i += 2
                continue
            out.append(a)
            i += 1
        return " ".join(out)

    def _query_terms(self, query: str) -> tuple[list[tuple[float, list[tuple[str, float]]]], float]:
        """Weighted query terms with their index readings, and the coverage denominator."""
        lookup = self._terms()
        text = self._join_split(self._analyzer.fix_layout(query, self._known))
        weights: dict[str, float] = {}
        parts: dict[str, list[str]] = {}
        weights_word: dict[str, str] = {}
        for term, word in self._analyzer.terms(text, drop_stop=True):
            weights_word.setdefault(term, word)
            weights[term] = max(weights.get(term, 0.0), term_weight(word.split()[-1]))
            if " " in word:
                parts[term] = [self._analyzer.canonical(w) for w in word.split() if w not in STOP_WORDS]
        n_docs = len(self._docs)
        out: list[tuple[float, list[tuple[str, float]]]] = []
        total = 0.0
        for term, base in weights.items():
            if base <= 0:
                continue
            expansions = list(lookup.expand(term))
            if not expansions and " " not in weights_word.get(term, " ") and near_stop_word(weights_word[term]):
                # An unknown word one slip from a stop word is that stop word, not an off-topic detail.
                continue
            # A synonym phrase may be worded differently in the article: its own words count for less.
            known = {t for t, _ in expansions}
            expansions += [(p, _PHRASE_PART) for p in parts.get(term, ()) if p in self._ff and p not in known]
            df = max((len(self._ff[t]) for t, f in expansions if f == 1.0), default=0)
            # A term found in many articles says little about which one is meant.
            w = base / (1.0 + 3.0 * df / (n_docs + 20))
            total += w
            out.append((w, expansions))
        # Long messages carry side details; judge coverage against the core of the question.
        return out, min(total, max(_CORE_MIN, _CORE_SHARE * total))

    def _rank_lex(self, query: str, service: str | None, *, min_conf: float = 0.0, prune: bool = True) -> Ranked:
        """Candidates with confidence >= min_conf, best first; prune=False walks every posting (for tests)."""
        if not self._docs:
            return []
        terms, denom = self._query_terms(query)
        if not terms or denom <= 0:
            return []
        # MaxScore: strongest terms first. Once the terms left cannot lift a doc that has matched nothing yet
        # to min_conf, or past the RERANK-th candidate so far, only docs already seen are scored; the hits
        # are then exactly those of prune=False (partial sums only grow, so they are lower bounds).
        terms.sort(key=lambda t: -t[0] * max((f for _, f in t[1]), default=0.0))
        need = min_conf * denom * (1.0 - _SLACK)
        left = sum(w * max((f for _, f in exps), default=0.0) for w, exps in terms)
        acc: dict[int, float] = {}
        kth = -math.inf
        for i, (w, exps) in enumerate(terms):
            if not exps:
                continue
            if not prune or (left >= need and left * (1.0 + _SLACK) >= kth):
                add_open(acc, self._ff, w, exps)
                if prune and service is None and i + 1 < len(terms) and len(acc) > RERANK:
                    low = heapq.nlargest(RERANK, acc.values())[-1]
                    kth = low if low / denom >= min_conf else -math.inf
            else:
                add_seen(acc, self._ff, w, exps)
            left -= w * max(f for _, f in exps)
        if service is not None:
            allowed = self._allowed(service)
            acc = {d: v for d, v in acc.items() if d in allowed}
        # Filtering by confidence keeps a top slice, so the RERANK-th sum overall bounds the kept ones.
        low = heapq.nlargest(RERANK, acc.values())[-1] if len(acc) > RERANK else -math.inf
        top = sorted(
            ((num, d) for d, num in acc.items() if num >= low and num / denom >= min_conf), key=lambda c: (-c[0], c[1])
        )[:RERANK]
        return self._rerank([(num / denom, d) for num, d in top], [exps for _, exps in terms])

    def _rerank(self, top: list[tuple[float, int]], exp_lists: list[list[tuple[str, float]]]) -> Ranked:
        """BM25 breaks near-ties among the strongest candidates, so it is computed for them alone."""
        if not top:
            return []
        n_docs = len(self._docs)
        avg_len = self._total_len / n_docs
        ranked = []
        for conf, doc_id in top:
            entry = self._docs[doc_id]
            bm, used = 0.0, set()
            for expansions in exp_lists:
                for tgt, factor in expansions:
                    f = self._tf[tgt].get(doc_id)
                    if f is None:
                        continue
                    used.add(tgt)
                    df = len(self._tf[tgt])
                    idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
                    norm = f + _K1 * (1 - _B + _B * entry.length / avg_len)
                    bm += factor * idf * f * (_K1 + 1) / norm
            ranked.append((min(1.0, conf), bm, doc_id, used))
        top_bm = max(r[1] for r in ranked) or 1.0
        out = [(conf + 0.05 * bm / top_bm, conf, doc_id, used) for conf, bm, doc_id, used in ranked]
        out.sort(key=lambda r: (-r[0], r[2]))
        return out

    def _offer(self, ranked: Ranked, limit: int) -> list[Hit]:
        if not ranked:
            return []
        best = max(conf for _, conf, _, _ in ranked)
        floor = max(self.threshold, self.relative_cut * best)
        offered = [(conf, doc_id, terms) for _, conf, doc_id, terms in ranked if conf >= floor][:limit]
        return [self._hit(doc_id, conf, terms) for conf, doc_id, terms in offered]

    def _hit(self, doc_id: int, conf: float, terms: set[str]) -> Hit:
        entry = self._docs[doc_id]
        snippet = make_snippet(entry.plain, terms, self._analyzer.canonical)
        return Hit(id=doc_id, title=entry.doc.title, score=round(conf, 4), snippet=snippet)

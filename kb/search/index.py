"""In-memory inverted index with typo tolerance and a KB-size-independent confidence."""

from __future__ import annotations

import heapq
import math
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kb.search import gate, meaning
from kb.search.intent import asks_how, fault_title
from kb.search.lookup import TermLookup
from kb.search.models import ArticleDoc, Hit
from kb.search.scoring import add_open, add_seen
from kb.search.snippet import make_snippet
from kb.search.stopwords import STOP_WORDS
from kb.search.symptoms import symptom_text
from kb.search.text import Analyzer, near_stop_word, strip_markup, term_weight

# Where a word is found says how central it is to the article: title and tags describe the problem,
# the body also mentions side topics.
_FIELD_FACTOR = {"title": 1.0, "tags": 1.0, "body": 0.6}
_FIELD_TF = {"title": 3.0, "tags": 2.0, "body": 1.0}
_PHRASE_PART = 0.7
_K1, _B = 1.2, 0.75
_RERANK = 30
# Coverage is judged against the core of the question: at least _CORE_MIN of its weight, or _CORE_SHARE of it.
_CORE_MIN, _CORE_SHARE = 3.0, 0.5
# What a how-to question loses on an article about a fault (kb.search.intent); calibrated on the tuning hold-out.
INTENT_PENALTY = 0.3
# Float slack for the pruning bound: admitting a few extra candidates is harmless, missing one is not.
_SLACK = 1e-9

Ranked = list[tuple[float, float, int, set[str]]]


@dataclass
class _Entry:
    doc: ArticleDoc
    plain: str
    tf: dict[str, float]
    length: float


class SearchIndex:
    """Knowledge-base search: rebuild/upsert/remove articles, ask for confident hits."""

    def __init__(
        self,
        *,
        synonyms: Sequence[Sequence[str]] = (),
        threshold: float = 0.5,
        relative_cut: float = 0.7,
        query_cache: int = 1024,
        embedder: meaning.Embedder | None = None,
    ) -> None:
        self.threshold = threshold
        self.embedder = embedder
        self._vec: dict[int, npt.NDArray[np.float32]] = {}
        self._mat: tuple[list[int], dict[int, int], npt.NDArray[np.float32], npt.NDArray[np.float32]] | None = None
        self.relative_cut = relative_cut
        self._groups = [list(g) for g in synonyms]
        self._analyzer = Analyzer(self._groups)
        self._docs: dict[int, _Entry] = {}
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
        self._vec.clear()
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
        kept = dict(self._vec)  # vectors set after indexing are not in the docs: synonyms do not change them
        self.rebuild([e.doc for e in list(self._docs.values())])
        self._vec.update(kept)

    def set_vector(self, doc_id: int, blob: bytes) -> None:
        """Attach the stored sentence vectors of an indexed article (the background embedding job calls it)."""
        vec = meaning.decode(blob, self.embedder.dim) if self.embedder is not None else None
        if vec is not None and doc_id in self._docs:
            self._vec[doc_id] = vec
            self._mat = None
            self._cache.clear()

    def missing_vectors(self) -> int:
        """How many indexed articles still have no sentence vectors."""
        return len(self._docs) - len(self._vec)

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
        self._mat = None
        self._allowed_of.clear()
        self._cache.clear()

    def _drop(self, doc_id: int) -> bool:
        entry = self._docs.pop(doc_id, None)
        self._vec.pop(doc_id, None)
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
        self._docs[doc.id] = _Entry(doc, plain, dict(tf), length)
        if fault_title(doc.title):
            self._fault.add(doc.id)
        vec = meaning.decode(doc.vector, self.embedder.dim) if self.embedder is not None else None
        if vec is not None:
            self._vec[doc.id] = vec
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

    def _similar(self, qvec: meaning.Vec) -> tuple[list[int], dict[int, int], tuple[npt.NDArray[np.float64], ...]]:
        """Per article, the cosines and z of this query vector (meaning.similarities)."""
        if self._mat is None:
            ids = list(self._vec)
            stack = np.stack([self._vec[i] for i in ids])
            self._mat = (ids, {d: k for k, d in enumerate(ids)}, np.ascontiguousarray(stack[:, 0]),
                         np.ascontiguousarray(stack[:, 1]))
        ids, pos, full, title = self._mat
        return ids, pos, meaning.similarities(full, title, qvec)

    @property
    def _meaning_on(self) -> bool:
        return self.embedder is not None and len(self._vec) >= meaning.MIN_ARTICLES

    def _rank(self, query: str, service: str | None, *, min_conf: float = 0.0, prune: bool = True) -> Ranked:
        """Candidates best first; a how-to question's fault articles lose INTENT_PENALTY."""
        return self._rank_ctx(query, service, min_conf=min_conf, prune=prune)[0]

    def meaning_text(self, query: str) -> str | None:
        """What the model embeds for this query (its symptom, layout fixed); None when the meaning signal is off."""
        if self.embedder is None or not self._meaning_on:
            return None
        # The model reads the words the lexical side reads: «ghbynth yt gtxfnftn» means nothing to it.
        return self._analyzer.fix_layout(symptom_text(query), self._known)

    def _rank_ctx(self, query: str, service: str | None, *, min_conf: float = 0.0, prune: bool = True,
                  qvec: meaning.Vec | None = None) -> tuple[Ranked, gate.Seen | None]:
        text = symptom_text(query)
        if qvec is None and self.embedder is not None and self._meaning_on:
            qvec = self.embedder.query(self._analyzer.fix_layout(text, self._known))
        elif not self._meaning_on:
            qvec = None  # a vector embedded before the base shrank under MIN_ARTICLES
        how = bool(self._fault) and asks_how(text)
        ranked, ctx = self._rank_all(text, service, qvec, min_conf=min_conf, prune=prune)
        if ctx is not None:
            ctx.how, ctx.words = how, len(text.split())
        if not how:
            return ranked, ctx
        out = []
        for rank, conf, doc_id, used in ranked:
            cut = INTENT_PENALTY if doc_id in self._fault else 0.0
            if conf - cut >= min_conf:
                out.append((rank - cut, conf - cut, doc_id, used))
        out.sort(key=lambda r: (-r[0], r[2]))
        return out, ctx

    def _rank_all(self, query: str, service: str | None, qvec: meaning.Vec | None, *, min_conf: float = 0.0,
                  prune: bool = True) -> tuple[Ranked, gate.Seen | None]:
        """Lexical candidates moved by the meaning bonus, plus the articles closest in meaning, best first."""
        if qvec is None:
            return self._rank_lex(query, service, min_conf=min_conf, prune=prune), None
        ids, pos, (sim_full, sim_title, z) = self._similar(qvec)
        bonus = meaning.bonus(z)
        lift = max(0.0, float(bonus.max()))
        out: dict[int, tuple[float, float, int, set[str]]] = {}
        lex: dict[int, float] = {}
        for rank, conf, doc_id, used in self._rank_lex(query, service, min_conf=max(0.0, min_conf - lift),
                                                       prune=prune):
            lex[doc_id] = conf
            # An article without vectors yet (an import still being embedded) keeps its lexical confidence.
            b = float(bonus[pos[doc_id]]) if doc_id in pos else -math.inf
            c = min(1.0, max(0.0, conf + b, b + meaning.SOLO_OFFSET)) if doc_id in pos else conf
            out[doc_id] = (rank - conf + c, c, doc_id, used)
        allowed = self._allowed(service) if service is not None else None
        for k in _top_k(bonus, _RERANK):
            doc_id, b = ids[int(k)], float(bonus[int(k)])
            c = min(1.0, b + meaning.SOLO_OFFSET)
            if doc_id not in out and c > 0 and (allowed is None or doc_id in allowed):
                out[doc_id] = (c, c, doc_id, set())
        ranked = [r for r in out.values() if r[1] >= min_conf]
        ranked.sort(key=lambda r: (-r[0], r[2]))
        return ranked[:_RERANK], gate.Seen(pos, sim_full, sim_title, z, lex, False, 0)

    def _rank_lex(self, query: str, service: str | None, *, min_conf: float = 0.0, prune: bool = True) -> Ranked:
        """Candidates with confidence >= min_conf, best first; prune=False walks every posting (for tests)."""
        if not self._docs:
            return []
        terms, denom = self._query_terms(query)
        if not terms or denom <= 0:
            return []
        # MaxScore: strongest terms first. Once the terms left cannot lift a doc that has matched nothing yet
        # to min_conf, or past the _RERANK-th candidate so far, only docs already seen are scored; the hits
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
                if prune and service is None and i + 1 < len(terms) and len(acc) > _RERANK:
                    low = heapq.nlargest(_RERANK, acc.values())[-1]
                    kth = low if low / denom >= min_conf else -math.inf
            else:
                add_seen(acc, self._ff, w, exps)
            left -= w * max(f for _, f in exps)
        if service is not None:
            allowed = self._allowed(service)
            acc = {d: v for d, v in acc.items() if d in allowed}
        # Filtering by confidence keeps a top slice, so the _RERANK-th sum overall bounds the kept ones.
        low = heapq.nlargest(_RERANK, acc.values())[-1] if len(acc) > _RERANK else -math.inf
        top = sorted(
            ((num, d) for d, num in acc.items() if num >= low and num / denom >= min_conf), key=lambda c: (-c[0], c[1])
        )[:_RERANK]
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

    def score_all(self, query: str, *, limit: int = 10, service: str | None = None) -> list[Hit]:
        """Raw ranking with confidences, whatever their level (for debugging and evaluation)."""
        return [self._hit(doc_id, conf, terms) for _, conf, doc_id, terms in self._rank(query, service)[:limit]]

    def cached(self, query: str, *, limit: int = 3, service: str | None = None) -> list[Hit] | None:
        """The hits of a search already made since the base last changed, or None."""
        key = (query, service, limit, self.threshold, self.relative_cut)
        hits = self._cache.get(key)
        if hits is None:
            return None
        self._cache.move_to_end(key)
        return list(hits)

    def search(self, query: str, *, limit: int = 3, service: str | None = None,
               qvec: meaning.Vec | None = None) -> list[Hit]:
        """Only the hits confident enough to offer to a user, best first; qvec: meaning_text(query) embedded."""
        cached = self.cached(query, limit=limit, service=service)
        if cached is not None:
            return cached
        if gate.MODEL is not None and self._meaning_on:
            hits = [self._hit(doc_id, p, terms) for doc_id, p, terms in self._gated(query, service, limit, qvec)
                    if p >= self.threshold]
        else:
            hits = self._offer(self._rank_ctx(query, service, min_conf=self.threshold, qvec=qvec)[0], limit)
        if self._cache_size > 0:
            key = (query, service, limit, self.threshold, self.relative_cut)
            self._cache[key] = tuple(hits)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return hits

    def gate_inputs(self, query: str, *, service: str | None = None,
                    limit: int = 3) -> list[tuple[int, float, tuple[float, ...]]]:
        """The top candidates, their blended confidence and the gate's inputs (bench/kb_gate.py fits on them)."""
        ranked, ctx = self._rank_ctx(query, service, min_conf=gate.MIN_CONF)
        return self._gate_rows(ranked, ctx, limit)

    def _gate_rows(self, ranked: Ranked, ctx: gate.Seen | None,
                   limit: int) -> list[tuple[int, float, tuple[float, ...]]]:
        if ctx is None or not ranked:
            return []
        return gate.inputs([(conf, doc_id) for _, conf, doc_id, _ in ranked], ctx, self._fault, limit)

    def _gated(self, query: str, service: str | None, limit: int,
               qvec: meaning.Vec | None = None) -> list[tuple[int, float, set[str]]]:
        """Top candidates with the gate's probability that each answers the question (the offered score)."""
        model = gate.MODEL
        assert model is not None
        ranked, ctx = self._rank_ctx(query, service, min_conf=gate.MIN_CONF, qvec=qvec)
        used = {doc_id: terms for _, _, doc_id, terms in ranked}
        return [(doc_id, model.probability(x), used[doc_id]) for doc_id, _, x in self._gate_rows(ranked, ctx, limit)]

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


def _top_k(values: npt.NDArray[np.float64], k: int) -> list[int]:
    """Positions of the k largest values, largest first, without sorting the whole array."""
    if len(values) <= k:
        return [int(i) for i in np.argsort(-values)]
    part = np.argpartition(-values, k)[:k]
    return [int(i) for i in part[np.argsort(-values[part])]]

"""The knowledge-base search: the lexical index (kb.search.lexical) with the meaning signal and the offer gate."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from kb.search import gate, meaning
from kb.search.gate import Inputs
from kb.search.intent import asks_how
from kb.search.lexical import RERANK, LexicalIndex, Ranked
from kb.search.models import ArticleDoc, Hit
from kb.search.symptoms import symptom_text

# What a how-to question loses on an article about a fault (kb.search.intent); calibrated on the tuning hold-out.
INTENT_PENALTY = 0.3


class SearchIndex(LexicalIndex):
    """Knowledge-base search: rebuild/upsert/remove articles, ask for confident hits."""

    def __init__(self, *, synonyms: Sequence[Sequence[str]] = (), threshold: float = 0.5, relative_cut: float = 0.7,
                 query_cache: int = 1024, embedder: meaning.Embedder | None = None) -> None:
        super().__init__(synonyms=synonyms, threshold=threshold, relative_cut=relative_cut, query_cache=query_cache)
        self.embedder = embedder
        self._vec: dict[int, npt.NDArray[np.float32]] = {}
        self._mat: tuple[list[int], dict[int, int], npt.NDArray[np.float32], npt.NDArray[np.float32]] | None = None

    # ----- maintenance: the sentence vectors follow the articles ------------------------------------
    def rebuild(self, docs: Iterable[ArticleDoc]) -> None:
        """Replace the whole index with these articles."""
        self._vec.clear()
        super().rebuild(docs)

    def set_synonyms(self, groups: Sequence[Sequence[str]]) -> None:
        """Replace the synonym groups and re-index every article with them."""
        kept = dict(self._vec)  # vectors set after indexing are not in the docs: synonyms do not change them
        super().set_synonyms(groups)
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

    def _changed(self) -> None:
        self._mat = None
        super()._changed()

    def _drop(self, doc_id: int) -> bool:
        self._vec.pop(doc_id, None)
        return super()._drop(doc_id)

    def _add(self, doc: ArticleDoc) -> None:
        super()._add(doc)
        vec = meaning.decode(doc.vector, self.embedder.dim) if self.embedder is not None else None
        if vec is not None:
            self._vec[doc.id] = vec

    # ----- query side --------------------------------------------------------------------------------
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
                  qvec: meaning.Vec | None = None, lexical: bool = False) -> tuple[Ranked, gate.Seen | None]:
        text = symptom_text(query)
        if lexical:
            qvec = None
        elif qvec is None and self.embedder is not None and self._meaning_on:
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
        for k in _top_k(bonus, RERANK):
            doc_id, b = ids[int(k)], float(bonus[int(k)])
            c = min(1.0, b + meaning.SOLO_OFFSET)
            if doc_id not in out and c > 0 and (allowed is None or doc_id in allowed):
                out[doc_id] = (c, c, doc_id, set())
        ranked = [r for r in out.values() if r[1] >= min_conf]
        ranked.sort(key=lambda r: (-r[0], r[2]))
        assert self._mat is not None  # filled by _similar
        return ranked[:RERANK], gate.Seen(pos, sim_full, sim_title, z, lex, False, 0, qvec, self._mat[2], self._mat[3])

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
        if self._gate() is not None and self._meaning_on:
            hits = [self._hit(doc_id, p, terms) for doc_id, p, terms in self._gated(query, service, limit, qvec)
                    if p >= self.threshold]
            if len(self._vec) < meaning.SMALL_BASE:
                hits = self._small_base(query, service, limit, hits)
        else:
            hits = self._offer(self._rank_ctx(query, service, min_conf=self.threshold, qvec=qvec)[0], limit)
        if self._cache_size > 0:
            key = (query, service, limit, self.threshold, self.relative_cut)
            self._cache[key] = tuple(hits)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return hits

    def _gate(self) -> gate.Model | None:
        """The offer gate for this index's embedding model (None: no model, or the gate switched off)."""
        if self.embedder is None:
            return None
        return gate.for_embedder(self.embedder.model_id, self.embedder.dim,
                                 small=len(self._vec) < meaning.SMALL_BASE)

    def gate_inputs(self, query: str, *, service: str | None = None, limit: int = 3,
                    agreement: bool | None = None) -> list[tuple[int, float, Inputs]]:
        """The top candidates, their blended confidence and the gate's inputs (bench/kb_gate.py fits on them);
        agreement: with the vectors' agreement (None: as this index's gate reads them)."""
        ranked, ctx = self._rank_ctx(query, service, min_conf=gate.MIN_CONF)
        return self._gate_rows(ranked, ctx, limit, agreement)

    def _gate_rows(self, ranked: Ranked, ctx: gate.Seen | None, limit: int,
                   agreement: bool | None = None) -> list[tuple[int, float, Inputs]]:
        if ctx is None or not ranked:
            return []
        if agreement is None:
            model = self._gate()
            agreement = model is not None and model.agreement
        return gate.inputs([(conf, doc_id) for _, conf, doc_id, _ in ranked], ctx, self._fault, limit,
                           with_agreement=agreement)

    def _gated(self, query: str, service: str | None, limit: int,
               qvec: meaning.Vec | None = None) -> list[tuple[int, float, set[str]]]:
        """Top candidates with the gate's probability that each answers the question (the offered score)."""
        model = self._gate()
        assert model is not None
        ranked, ctx = self._rank_ctx(query, service, min_conf=gate.MIN_CONF, qvec=qvec)
        used = {doc_id: terms for _, _, doc_id, terms in ranked}
        return [(doc_id, model.probability(x), used[doc_id]) for doc_id, _, x in self._gate_rows(ranked, ctx, limit)]

    def _small_base(self, query: str, service: str | None, limit: int, gated: list[Hit]) -> list[Hit]:
        """A small base's offers: the gate's at its stricter point (SMALL_POINT), after the sure lexical hits."""
        shift = _logit(meaning.SMALL_POINT) - _logit(self.threshold)
        moved = [dataclasses.replace(h, score=round(_sigmoid(_logit(h.score) - shift), 4)) for h in gated]
        sure = [h for h in self._offer(self._rank_ctx(query, service, min_conf=self.threshold, lexical=True)[0], limit)
                if h.score >= meaning.LEXICAL_SURE]
        seen = {h.id for h in sure}
        return (sure + [h for h in moved if h.score >= self.threshold and h.id not in seen])[:limit]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, t))))


def _top_k(values: npt.NDArray[np.float64], k: int) -> list[int]:
    """Positions of the k largest values, largest first, without sorting the whole array."""
    if len(values) <= k:
        return [int(i) for i in np.argsort(-values)]
    part = np.argpartition(-values, k)[:k]
    return [int(i) for i in part[np.argsort(-values[part])]]

"""Questions that got no article: recorded as the bot meets them, grouped so an administrator sees what to write.

Grouping is by the words that carry the question (its symptom sentences, canonical terms without stop words,
service names or weak words): two questions whose term sets overlap by GROUP_OVERLAP (Jaccard) or more go together,
greedily, biggest groups first. Words, not vectors: the figure must not change with the model or vanish without it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.db import utcnow
from core.uow import UnitOfWork
from kb.models import KbMiss
from kb.search.symptoms import symptom_text
from kb.search.text import Analyzer, term_weight

GROUP_OVERLAP = 0.5
# The newest misses that are grouped: enough for any month of a real desk, bounded for a flood of junk.
MAX_MISSES = 5000


async def record_miss(*, uow: UnitOfWork, user_id: int | None, query: str, service: str | None, context: str) -> None:
    """Records that a user's question got no confident article."""
    async with uow:
        uow.mark_side_write()  # statistics: not the work of the request that searched
        uow.session.add(KbMiss(user_id=user_id, query=query[:4000], service=service, context=context,
                               asked_at=utcnow()))
        await uow.commit()


def question_terms(analyzer: Analyzer, query: str) -> dict[str, str]:
    """The canonical terms that carry a question (what grouping compares), each with the word it was read from."""
    return {t: w for t, w in analyzer.terms(symptom_text(query), drop_stop=True)
            if term_weight(w.split()[-1]) >= 1.0}


@dataclass
class _Group:
    terms: set[str]
    words: Counter[str] = field(default_factory=Counter)
    queries: list[str] = field(default_factory=list)
    services: Counter[str] = field(default_factory=Counter)
    last: datetime | None = None


def group_misses(rows: list[tuple[str, str | None, datetime]], analyzer: Analyzer) -> list[dict[str, Any]]:
    """Groups (query, service, asked_at) rows by shared question terms; biggest group first."""
    read = [(question_terms(analyzer, q), q, s, at) for q, s, at in rows]
    keyed = [(frozenset(t), t, q, s, at) for t, q, s, at in read]
    # The commonest term sets seed groups first, so a group is named after its typical wording.
    seen = Counter(k for k, _, _, _, _ in keyed)
    keyed.sort(key=lambda r: (-seen[r[0]], -len(r[0])))
    groups: list[_Group] = []
    for terms, surface, q, service, at in keyed:
        target = None
        for g in groups:
            if terms and g.terms and len(terms & g.terms) / len(terms | g.terms) >= GROUP_OVERLAP:
                target = g
                break
            if not terms and not g.terms and g.queries and g.queries[0].strip().lower() == q.strip().lower():
                target = g
                break
        if target is None:
            target = _Group(terms=set(terms))
            groups.append(target)
        target.queries.append(q)
        target.words.update(surface.values())
        target.services[service or ""] += 1
        target.last = at if target.last is None or at > target.last else target.last
    groups.sort(key=lambda g: (-len(g.queries), g.queries[0]))
    return [{"count": len(g.queries), "example": g.queries[0], "words": [w for w, _ in g.words.most_common(6)],
             "queries": list(dict.fromkeys(g.queries))[:5],
             "services": [{"service": s or None, "count": n} for s, n in sorted(g.services.items(),
                                                                             key=lambda x: (-x[1], x[0]))],
             "last_asked_at": g.last} for g in groups]


async def gaps(*, uow: UnitOfWork, analyzer: Analyzer, days: int, limit: int) -> dict[str, Any]:
    """The questions of the last `days` days that got no offer, grouped, with counts per service."""
    since = utcnow() - timedelta(days=days)
    async with uow:
        rows = [(q, s, at) for q, s, at in (await uow.session.execute(
            select(KbMiss.query, KbMiss.service, KbMiss.asked_at).where(KbMiss.asked_at >= since)
            .order_by(KbMiss.asked_at.desc(), KbMiss.id.desc()).limit(MAX_MISSES))).all()]
    per_service = Counter(s or "" for _, s, _ in rows)
    groups = group_misses(rows, analyzer)
    return {"days": days, "misses": len(rows), "groups_total": len(groups), "groups": groups[:limit],
            "services": [{"service": s or None, "misses": n} for s, n in sorted(per_service.items(),
                                                                               key=lambda x: (-x[1], x[0]))]}

"""Term-at-a-time accumulation of coverage sums over posting dicts (doc id -> field factor)."""

from __future__ import annotations

Postings = dict[str, dict[int, float]]
Readings = list[tuple[str, float]]


def add_open(acc: dict[int, float], ff: Postings, w: float, exps: Readings) -> None:
    """Add one query term's weight × best reading to every doc that has any of its readings."""
    if len(exps) == 1:
        tgt, f = exps[0]
        if not acc:
            # The first term fills an empty table: one comprehension instead of a get/set per doc.
            acc.update({d: 0.0 + w * (f * v) for d, v in ff[tgt].items()})
            return
        get = acc.get
        for d, v in ff[tgt].items():
            acc[d] = get(d, 0.0) + w * (f * v)
        return
    for d, v in best(ff, exps, None).items():
        acc[d] = acc.get(d, 0.0) + w * v


def add_seen(acc: dict[int, float], ff: Postings, w: float, exps: Readings) -> None:
    """Like add_open, but only for docs already in acc (the pruning bound ruled the others out)."""
    # Walk whichever side is shorter: the candidates, or the term's postings.
    if sum(len(ff[t]) for t, _ in exps) < len(acc):
        for d, v in best(ff, exps, acc).items():
            acc[d] += w * v
        return
    posts = [(ff[tgt], f) for tgt, f in exps]
    for d in acc:
        v = 0.0
        for post, f in posts:
            x = post.get(d)
            if x is not None and f * x > v:
                v = f * x
        if v:
            acc[d] += w * v


def best(ff: Postings, exps: Readings, only: dict[int, float] | None) -> dict[int, float]:
    """Per doc, the best reading of one query term: max over its readings of factor × field factor."""
    out: dict[int, float] = {}
    for tgt, f in exps:
        for d, x in ff[tgt].items():
            v = f * x
            if v > out.get(d, 0.0) and (only is None or d in only):
                out[d] = v
    return out

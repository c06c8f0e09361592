"""The knowledge base of ../shared/kb-eval/ alone (15 articles, as evaluate.py loads it): lexical vs meaning.

Below 20 articles the search used to stay lexical, so a desk's first small base (and evaluate.py's) never saw the
meaning signal. This bench scores the hold-outs on the 15 eval articles alone: a query whose article is one of them
stays answerable, every other one (no article, or an article of the sample KB that is not in this base) must get no
offer. It prints, over the training hold-outs (private, hard, check, blind 3-8; 6-8 since session 24), lexical
search alone and the gate at each point with the sure lexical hits kept (LEXICAL_SURE), picks the point by the rule
fixed before the run: the most answers with no more false offers than lexical search alone made on the same sets,
and the dev set as today (hit@3 1.0, 0/5). Then the product's own search at kb.search.meaning's constants, set by
set (figures only, no misses). Blind hold-out 9 (session 24) is read by nothing here: it was the check of the
agreement gate, scored through evaluate.py; a training set since session 25. Blind 10 is read by nothing here.

Usage, from the project root: .venv/bin/python bench/kb_small_base.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# bench/kb.py would shadow the kb package when this folder is on the path; the root holds both packages.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.kb_eval_inprocess import (  # noqa: E402
    BLIND3,
    BLIND4,
    BLIND5,
    BLIND6,
    BLIND7,
    BLIND8,
    BLIND9,
    CHECK,
    EVAL_DIR,
    HARD,
    HOLDOUT,
    build_index,
    report,
    score,
)
from kb.search import meaning  # noqa: E402
from kb.search.meaning import load_embedder  # noqa: E402

TRAIN = ("private", "hard", "check", "blind 3", "blind 4", "blind 5", "blind 6", "blind 7", "blind 8", "blind 9")
POINTS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
SURE = (1.01, 0.9, 0.8, 0.7, 0.65, 0.6, 0.55, 0.5)  # 1.01: no lexical hit kept; 0.5: all of them


def restrict(queries: list[dict[str, Any]], keys: set[str]) -> list[dict[str, Any]]:
    """The queries as the 15-article base sees them: expect only articles it holds, else None (unanswerable)."""
    out = []
    for q in queries:
        e = q["expect"]
        want = [w for w in ([] if e is None else e if isinstance(e, list) else [e]) if w in keys]
        out.append({**q, "expect": want or None})
    return out


def load_sets(keys: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Dev, the training hold-outs and blind 6, 7 and 8, restricted to the eval base."""
    sets = {"dev": json.loads((EVAL_DIR / "queries.json").read_text(encoding="utf-8")),
            "private": json.loads(HOLDOUT.read_text(encoding="utf-8"))}
    for name, path in (("hard", HARD), ("check", CHECK), ("blind 3", BLIND3), ("blind 4", BLIND4),
                       ("blind 5", BLIND5), ("blind 6", BLIND6), ("blind 7", BLIND7),
                       ("blind 8", BLIND8), ("blind 9", BLIND9)):
        sets[name] = json.loads(path.read_text(encoding="utf-8"))["queries"]
    return {n: restrict(qs, keys) for n, qs in sets.items()}


def tally(rows: list[tuple[Any, list[tuple[str, float]], list[tuple[str, float]]]], point: float,
          sure: float) -> tuple[int, int, int, int]:
    """Answered, answerable, false offers, unanswerable at this gate point with lexical hits >= sure kept."""
    h = pos = fo = neg = 0
    for want, gated, lexical in rows:
        hits = [k for k, s in lexical if s >= sure]
        hits += [k for k, p in gated if p >= point and k not in hits]
        if want is None:
            neg, fo = neg + 1, fo + bool(hits[:3])
        else:
            pos, h = pos + 1, h + any(w in hits[:3] for w in want)
    return h, pos, fo, neg


def main() -> None:
    """Print the curve, the chosen point and the product's figures on the 15-article base."""
    arts = json.loads((EVAL_DIR / "articles.json").read_text(encoding="utf-8"))
    keys = {a["key"] for a in arts}
    sets = load_sets(keys)
    emb = load_embedder(enabled=True)
    assert emb is not None, "the embedding model did not load"
    small, key_of = build_index(arts, with_sample=False, threshold=0.5, embedder=emb)
    lex, lkey = build_index(arts, with_sample=False, threshold=0.5, embedder=None)
    rows: dict[str, list[Any]] = {}
    for name, qs in sets.items():
        rows[name] = [(q["expect"], [(key_of[d], p) for d, p, _ in small._gated(q["q"], None, 3)],
                       [(lkey[h.id], h.score) for h in lex.search(q["q"], limit=3)]) for q in qs]
    train = [r for n in TRAIN for r in rows[n]]
    lh, lpos, lfo, lneg = tally(train, 2.0, 0.0)
    print(f"lexical alone, training sets: answered {lh}/{lpos} = {lh / lpos:.3f}, false offers {lfo}/{lneg}")
    best: tuple[int, float, float] | None = None
    for sure in SURE:
        for point in POINTS:
            h, pos, fo, neg = tally(train, point, sure)
            dh, dpos, dfo, _ = tally(rows["dev"], point, sure)
            ok = fo <= lfo and dh == dpos and dfo == 0
            print(f"  sure {sure:.2f} point {point:.2f}: answered {h}/{pos} = {h / pos:.3f}, false offers {fo}/{neg}"
                  f" = {fo / neg:.3f}; dev {dh}/{dpos}, {dfo} false{'  <- within the rule' if ok else ''}")
            if ok and (best is None or h > best[0]):
                best = (h, sure, point)
    print("chosen by the rule:", best and f"LEXICAL_SURE {best[1]}, SMALL_POINT {best[2]}")
    print(f"in kb/search/meaning.py: LEXICAL_SURE {meaning.LEXICAL_SURE}, SMALL_POINT {meaning.SMALL_POINT}")
    for name, qs in sets.items():
        for label, index, kof in (("lexical", lex, lkey), ("meaning", small, key_of)):
            report(f"{name}, 15 eval articles, {label}", score(index, kof, qs), misses=False)


if __name__ == "__main__":
    main()

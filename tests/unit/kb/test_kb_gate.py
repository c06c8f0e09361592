"""The offer gate (kb/search/gate.py): which ranked articles are offered once the meaning signal is on."""

from __future__ import annotations

import dataclasses

import pytest

from kb.search import ArticleDoc, SearchIndex, gate, load_default_synonyms
from kb.search.meaning import Embedder

# From blind hold-out 3. The refit of session 22 (six hold-outs) put the first example here, a striped-print message
# with a greeting and an office address, at probability 0.451, just under the point: the price of fewer false offers.
HEADSET = ("Здравствуйте, это Игорь из колл-центра. С утра клиенты на звонках меня не слышат, говорят «алло, алло» и "
           "кладут трубку, а я их слышу отлично. Гарнитура та же, что вчера, воткнута в тот же порт. Переткнул её — не "
           "помогло. Работать не могу, очередь копится, помогите срочно.")


@pytest.fixture(scope="module")
def index(embedder: Embedder, docs: list[ArticleDoc]) -> SearchIndex:
    idx = SearchIndex(synonyms=load_default_synonyms(), threshold=0.5, embedder=embedder)
    idx.rebuild(docs)
    return idx


def test_long_message_diluted_below_the_confidence_is_offered_by_the_gate(index: SearchIndex,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert [h.title for h in index.search(HEADSET)][:1] == ["Собеседник не слышит меня в гарнитуре"]
    index.drop_caches()
    monkeypatch.setattr(gate, "MODEL", None)  # the blended confidence alone: greetings and context dilute it
    try:
        assert index.search(HEADSET) == []
    finally:
        index.drop_caches()


def test_offered_score_is_the_gate_probability_and_the_threshold_gates_it(index: SearchIndex) -> None:
    assert gate.MODEL is not None
    q = "принтер не печатает, статус автономная работа"
    hits = index.search(q)
    assert hits and all(h.score >= index.threshold for h in hits)
    rows = {doc_id: x for doc_id, _, x in index.gate_inputs(q)}
    assert [round(gate.MODEL.probability(rows[h.id]), 4) for h in hits] == [h.score for h in hits]
    strict = SearchIndex(synonyms=load_default_synonyms(), threshold=max(h.score for h in hits) + 1e-3,
                         embedder=index.embedder)
    strict.rebuild([dataclasses.replace(e.doc, vector=index._vec[e.doc.id].tobytes()) for e in index._docs.values()])
    assert strict.search(q) == []


def test_layout_typed_query_is_read_by_the_model_as_its_russian_words(index: SearchIndex) -> None:
    # The model once got the Latin gibberish itself, and the gate turned the right article away.
    top = [h.title for h in index.search("ghbynth yt gtxfnftn")][:1]
    assert top == ["Принтер не печатает, статус «Автономная работа»"]


def test_without_the_model_the_gate_is_not_used(index: SearchIndex) -> None:
    lexical = SearchIndex(synonyms=load_default_synonyms(), threshold=0.5)
    lexical.rebuild([e.doc for e in index._docs.values()])
    assert lexical.gate_inputs("принтер не печатает") == []
    hits = lexical.search("принтер не печатает, статус автономная работа")
    assert hits[0].title.startswith("Принтер не печатает") and hits[0].score == 1.0  # the lexical confidence


def test_gate_inputs_follow_names() -> None:
    x = gate.features(conf=0.6, lex=0.5, z=3.0, sim_full=0.85, sim_title=0.86, fault=True, gap=0.2, z_top=3.0,
                      z_gap=0.5, sim_top=0.86, words=7, how=False)
    assert len(x) == len(gate.NAMES)
    assert gate.MODEL is not None and len(gate.MODEL.coef) == len(gate.NAMES)

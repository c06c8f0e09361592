"""Bulk import and export of the knowledge base, in batches of their own transactions.

SQLite has one writer: a 5,000-article import in one transaction held it for up to 16 s, and every bot update,
the SLA sweep and the KB poll queued behind it. An import therefore commits every `BATCH` articles, each batch a
short transaction of its own, so other writers get the connection between batches. Everything that can refuse
the import (bad fields, unknown services) is checked before the first batch, so a refusal still writes nothing;
a crash part-way leaves the batches already committed, and running the same import again completes it (upsert by
id, else by title: the articles it already wrote come back as «unchanged»).
"""

from __future__ import annotations

import asyncio
import json
import zipfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select

from core.db import utcnow
from core.uow import UowFactory
from kb import store
from kb.io import SYNONYMS_FILE, ArticleData, Bundle, ImportRefused, markdown_files
from kb.models import Article

BATCH = 50
EXPORT_PAGE = 500
AfterCommit = Callable[[int, Sequence[Article], "list[list[str]] | None"], None]


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    touched: list[Article] = field(default_factory=list)


async def _targets(uow_factory: UowFactory, bundle: Bundle) -> tuple[dict[int, int], dict[str, int]]:
    """Refuses unknown services; maps the live articles' ids and case-folded titles to their ids."""
    async with uow_factory.read() as uow:
        bad = await store.unknown_services(uow, [a.values.get("service") for a in bundle.articles])
        for a in bundle.articles:
            if a.values.get("service") in bad:
                reason = f"нет услуги с кодом «{a.values['service']}»"
                raise ImportRefused(f"{a.where}: {reason}", fields={f"{a.key}.service": reason})
        rows = (await uow.session.execute(
            select(Article.id, Article.title).where(Article.deleted_at.is_(None)).order_by(Article.id))).all()
    by_id = {int(i): int(i) for i, _ in rows}
    by_title: dict[str, int] = {}
    for i, title in rows:  # ascending ids: the newest article of a repeated title wins, as before
        by_title[str(title).casefold()] = int(i)
    return by_id, by_title


async def _batch(uow_factory: UowFactory, items: Sequence[ArticleData], targets: list[int | None], *,
                 author: str | None, synonyms: list[list[str]] | None, counts: ImportCounts) -> int:
    """Writes one batch in its own transaction; returns the revision it committed."""
    async with uow_factory() as uow:
        ids = [t for t in targets if t is not None]
        existing = {a.id: a for a in (await uow.session.scalars(select(Article).where(Article.id.in_(ids)))).all()
                    } if ids else {}
        now = utcnow()
        fresh: list[Article] = []
        changed_rows: list[tuple[Article, list[str]]] = []
        for item, target in zip(items, targets, strict=True):
            art = existing.get(target) if target is not None else None
            if art is None:
                art = Article(**item.values, author=author, created_at=now, updated_at=now, version=1)
                uow.session.add(art)
                fresh.append(art)
            elif changed := store.apply_changes(art, item.values):
                art.version += 1
                art.updated_at = now
                changed_rows.append((art, changed))
            else:
                counts.unchanged += 1
        await uow.session.flush()  # one INSERT … RETURNING for the batch gives the new ids
        for art in fresh:
            store.add_version(uow, art, changes=["created"], by=author, now=now)
        for art, changed in changed_rows:
            store.add_version(uow, art, changes=changed, by=author, now=now)
        if synonyms is not None:
            await store.replace_synonyms(uow, synonyms)
        rev = await store.bump_revision(uow)
        await uow.commit()
    counts.created += len(fresh)
    counts.updated += len(changed_rows)
    counts.touched = [*fresh, *(a for a, _ in changed_rows)]
    return rev


async def import_bundle(*, uow_factory: UowFactory, bundle: Bundle, author: str | None, after_commit: AfterCommit,
                        batch: int | None = None) -> dict[str, int]:
    """Upserts the articles batch by batch and replaces the synonyms (with the last batch) when given."""
    batch = batch or BATCH
    by_id, by_title = await _targets(uow_factory, bundle)
    targets: list[int | None] = []
    for item in bundle.articles:
        hit = by_id.get(item.id) if item.id is not None else None
        targets.append(hit if hit is not None else by_title.get(item.values["title"].casefold()))
    counts = ImportCounts()
    items = bundle.articles
    starts = list(range(0, len(items), batch)) or [0]
    for n, start in enumerate(starts):
        last = n == len(starts) - 1
        syn = bundle.synonyms if last else None
        rev = await _batch(uow_factory, items[start:start + batch], targets[start:start + batch], author=author,
                           synonyms=syn, counts=counts)
        after_commit(rev, counts.touched, syn)
        if not last:
            await asyncio.sleep(0)  # let the handlers waiting for the event loop run between batches
    return {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged,
            "synonym_groups": len(bundle.synonyms) if bundle.synonyms is not None else -1}


def article_data(a: Article) -> dict[str, Any]:
    """An article in the export format."""
    return {"id": a.id, "title": a.title, "body": a.body, "body_format": a.body_format, "tags": list(a.tags),
            "service": a.service, "status": a.status, "author": a.author, "version": a.version,
            "updated_at": a.updated_at.isoformat()}


async def export_pages(*, uow_factory: UowFactory, page: int = EXPORT_PAGE) -> AsyncIterator[list[dict[str, Any]]]:
    """Every live article (any status) in id order, a page at a time, read in one read-only transaction."""
    async with uow_factory.read() as uow:
        after = 0
        while True:
            rows = (await uow.session.scalars(
                select(Article).where(Article.deleted_at.is_(None), Article.id > after)
                .order_by(Article.id).limit(page))).all()
            if not rows:
                return
            yield [article_data(a) for a in rows]
            after = rows[-1].id
            uow.session.expunge_all()  # a page is not kept in the session once it is out


async def synonyms(*, uow_factory: UowFactory) -> list[list[str]]:
    """The synonym groups, for an export."""
    async with uow_factory.read() as uow:
        return await store.synonym_groups(uow)


async def export_json(*, uow_factory: UowFactory) -> AsyncIterator[bytes]:
    """The JSON export (the import format) as chunks, a page of articles each: the whole never sits in memory."""
    yield b'{"articles": [\n'
    first = True
    async for page in export_pages(uow_factory=uow_factory):
        chunk = ",\n".join(json.dumps(a, ensure_ascii=False) for a in page)
        yield (chunk if first else ",\n" + chunk).encode("utf-8")
        first = False
    groups = await synonyms(uow_factory=uow_factory)
    yield ('\n], "synonyms": ' + json.dumps(groups, ensure_ascii=False) + "}\n").encode("utf-8")


async def export_zip(*, uow_factory: UowFactory, out: IO[bytes]) -> int:
    """Writes the Markdown export as a zip into `out`, page by page; returns how many articles it holds."""
    n = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        async for page in export_pages(uow_factory=uow_factory):
            for name, text in markdown_files(page, []).items():
                if name != SYNONYMS_FILE:
                    zf.writestr(name, text.encode("utf-8"))
            n += len(page)
        groups = await synonyms(uow_factory=uow_factory)
        zf.writestr(SYNONYMS_FILE, markdown_files([], groups)[SYNONYMS_FILE].encode("utf-8"))
    return n

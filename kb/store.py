"""Private helpers of the knowledge-base use cases; each takes an ENTERED unit of work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update

from core.catalog.models import Service
from core.db import utcnow
from core.errors import ValidationFailed
from core.uow import UnitOfWork
from kb.models import BODY_FORMATS, STATUSES, Article, ArticleVersion, KbState, SynonymGroup
from kb.search import ArticleDoc

FIELDS = ("title", "body", "body_format", "tags", "service", "status")
TITLE_MAX = 300


def check_fields(values: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Normalises article fields or raises ValidationFailed naming each bad one (service codes checked apart)."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in FIELDS:
        if name not in values:
            if not partial and name in ("title", "body"):
                errors[name] = "обязательное поле"
            continue
        v = values[name]
        if name in ("title", "body"):
            if not isinstance(v, str) or not v.strip():
                errors[name] = "непустая строка"
                continue
            v = v.strip()
            if name == "title" and len(v) > TITLE_MAX:
                errors[name] = f"не длиннее {TITLE_MAX} символов"
                continue
        elif name == "tags":
            if not isinstance(v, list) or not all(isinstance(t, str) for t in v):
                errors[name] = "список строк"
                continue
            v = list(dict.fromkeys(t.strip() for t in v if t.strip()))
        elif name == "service":
            if v is not None and (not isinstance(v, str) or not v.strip()):
                errors[name] = "код услуги или null"
                continue
            v = v.strip() if v else None
        elif name == "status" and v not in STATUSES:
            errors[name] = "одно из: " + ", ".join(STATUSES)
            continue
        elif name == "body_format" and v not in BODY_FORMATS:
            errors[name] = "одно из: " + ", ".join(BODY_FORMATS)
            continue
        out[name] = v
    if errors:
        raise ValidationFailed("invalid article: " + ", ".join(errors), fields=errors)
    return out


async def unknown_services(uow: UnitOfWork, codes: Iterable[str | None]) -> set[str]:
    """The codes among these that the catalog does not know."""
    wanted = {c for c in codes if c}
    if not wanted:
        return set()
    known = set((await uow.session.scalars(select(Service.code).where(Service.code.in_(wanted)))).all())
    return wanted - known


async def check_service(uow: UnitOfWork, code: str | None) -> None:
    """Refuses an article bound to a service the catalog does not have."""
    if await unknown_services(uow, [code]):
        raise ValidationFailed(f"unknown service '{code}'", fields={"service": f"нет услуги с кодом «{code}»"})


async def state(uow: UnitOfWork) -> KbState:
    """The single state row, created when missing."""
    row = await uow.session.get(KbState, 1)
    if row is None:
        row = KbState(id=1, revision=0, seeded=False)
        uow.session.add(row)
        await uow.session.flush()
    return row


async def bump_revision(uow: UnitOfWork) -> int:
    """Increments the shared revision inside the caller's transaction; returns the new value."""
    # An UPDATE with an expression is atomic and holds the row lock until commit, so concurrent
    # writers from several processes get distinct revisions.
    new = (await uow.session.execute(
        update(KbState).where(KbState.id == 1).values(revision=KbState.revision + 1).returning(KbState.revision)
    )).scalar_one_or_none()
    if new is None:
        row = await state(uow)
        row.revision = 1
        await uow.session.flush()
        new = 1
    return int(new)


async def read_revision(uow: UnitOfWork) -> int:
    """The shared revision (0 before anything was stored)."""
    rev = await uow.session.scalar(select(KbState.revision).where(KbState.id == 1))
    return int(rev or 0)


def add_version(uow: UnitOfWork, article: Article, *, changes: list[str], by: str | None,
                now: datetime | None = None) -> ArticleVersion:
    """Writes the snapshot of the article as it is now."""
    row = ArticleVersion(article_id=article.id, version=article.version, title=article.title, body=article.body,
                         body_format=article.body_format, tags=list(article.tags), service=article.service,
                         status=article.status, changed_by=by, changed_at=now or utcnow(), changes=changes)
    uow.session.add(row)
    return row


def apply_changes(article: Article, values: dict[str, Any]) -> list[str]:
    """Sets the values that differ and returns their names in FIELDS order."""
    changed = []
    for name in FIELDS:
        if name in values and getattr(article, name) != values[name]:
            setattr(article, name, values[name])
            changed.append(name)
    return changed


async def live_article(uow: UnitOfWork, article_id: int) -> Article | None:
    """The article unless it does not exist or was deleted."""
    art = await uow.session.get(Article, article_id)
    return None if art is None or art.deleted_at is not None else art


async def synonym_groups(uow: UnitOfWork) -> list[list[str]]:
    """Stored synonym groups in their stored order."""
    rows = (await uow.session.scalars(select(SynonymGroup).order_by(SynonymGroup.id))).all()
    return [list(r.words) for r in rows]


async def replace_synonyms(uow: UnitOfWork, groups: list[list[str]]) -> None:
    """Deletes every stored group and stores these."""
    for row in (await uow.session.scalars(select(SynonymGroup))).all():
        await uow.session.delete(row)
    await uow.session.flush()
    for words in groups:
        uow.session.add(SynonymGroup(words=words))


def check_groups(groups: Any) -> list[list[str]]:
    """Each group: at least two distinct non-empty words; raises ValidationFailed naming the group index."""
    if not isinstance(groups, list):
        raise ValidationFailed("synonyms must be a list of groups", fields={"groups": "список групп слов"})
    out: list[list[str]] = []
    for i, g in enumerate(groups):
        if not isinstance(g, list) or not all(isinstance(w, str) for w in g):
            raise ValidationFailed(f"group {i}: not a list of words", fields={f"groups[{i}]": "список слов"})
        words = list(dict.fromkeys(w.strip() for w in g))
        if "" in words or len(words) < 2:
            raise ValidationFailed(f"group {i}: needs at least two non-empty words",
                                   fields={f"groups[{i}]": "не меньше двух разных непустых слов"})
        out.append(words)
    return out


async def published(uow: UnitOfWork) -> list[Article]:
    """Every live published article."""
    q = select(Article).where(Article.status == "published", Article.deleted_at.is_(None)).order_by(Article.id)
    return list((await uow.session.scalars(q)).all())


async def count_all(uow: UnitOfWork) -> int:
    """How many articles exist, deleted ones included (seeding must never run over real data)."""
    return int(await uow.session.scalar(select(func.count()).select_from(Article)) or 0)


def doc_of(article: Article, model_id: str | None = None) -> ArticleDoc:
    """The engine's view of an article, with its stored vectors when they are this model's for this version."""
    fresh = (model_id is not None and article.embedding_model == model_id
             and article.embedding_version == article.version)
    return ArticleDoc(id=article.id, title=article.title, body=article.body, tags=tuple(article.tags),
                      service=article.service, vector=article.embedding if fresh else None)


def stale_vectors(model_id: str) -> Any:
    """Live published articles whose stored vectors are missing or not of this model and version."""
    return select(Article).where(
        Article.status == "published", Article.deleted_at.is_(None),
        or_(Article.embedding_model.is_(None), Article.embedding_model != model_id,
            Article.embedding_version.is_(None), Article.embedding_version != Article.version),
    ).order_by(Article.id)


def searchable(article: Article) -> bool:
    """Only live published articles are offered."""
    return article.status == "published" and article.deleted_at is None

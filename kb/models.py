"""Knowledge base store: articles with versions, synonym groups, offers/feedback, self-service requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

STATUSES = ("draft", "published", "archived")
BODY_FORMATS = ("html", "markdown")
OFFER_CONTEXTS = ("report", "search", "free_text", "api")


class Article(Base):
    """One article; `deleted_at` hides it from every view but keeps offers and history meaningful."""

    __tablename__ = "kb_articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    body_format: Mapped[str] = mapped_column(String(16), default="html")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # a service code; None: the article applies to every service
    service: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="published", index=True)
    author: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)
    # sentence vectors (kb.search.meaning) of `embedding_version` by `embedding_model`; stale when either differs
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None] = mapped_column(String(64))
    embedding_version: Mapped[int | None] = mapped_column(Integer)


class ArticleVersion(Base):
    """A snapshot of an article after each change, with the names of the fields that changed."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    body_format: Mapped[str] = mapped_column(String(16), default="html")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    service: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "created", "deleted" or the changed field names, e.g. ["title", "tags"]
    changes: Mapped[list[Any]] = mapped_column(default=list)


class SynonymGroup(Base):
    __tablename__ = "kb_synonym_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    words: Mapped[list[Any]] = mapped_column(default=list)


class KbState(Base):
    """The single row (id=1) other processes poll: `revision` is bumped in every transaction that changes
    articles or synonyms; `seeded` records that first-start seeding has happened."""

    __tablename__ = "kb_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    seeded: Mapped[bool] = mapped_column(Boolean, default=False)


class KbOffer(Base):
    """An article shown to a user; `helped` stays None until the user answers."""

    __tablename__ = "kb_offers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    query: Mapped[str] = mapped_column(Text, default="")
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    context: Mapped[str] = mapped_column(String(16))
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    helped: Mapped[bool | None] = mapped_column(Boolean)
    answered_at: Mapped[datetime | None] = mapped_column()


class KbRequest(Base):
    """A user started describing a problem; solved when an offered article helped."""

    __tablename__ = "kb_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    solved_by_article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id", ondelete="SET NULL"))


class KbMiss(Base):
    """A user's question that got no confident article: what `GET /kb/gaps` groups."""

    __tablename__ = "kb_misses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    query: Mapped[str] = mapped_column(Text, default="")
    # the service the user chose (None: not chosen yet, e.g. free text before the dialog)
    service: Mapped[str | None] = mapped_column(String(32))
    context: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

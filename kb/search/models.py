"""Value objects exchanged with the search engine."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ArticleDoc:
    """An article as the engine indexes it; body may hold simple HTML/Markdown."""

    id: int
    title: str
    body: str
    tags: tuple[str, ...] = ()
    service: str | None = None
    # stored sentence vectors of this article version (kb.search.meaning), None: not embedded yet
    vector: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Hit:
    """One search result; score is a calibrated confidence in [0, 1]."""

    id: int
    title: str
    score: float
    snippet: str

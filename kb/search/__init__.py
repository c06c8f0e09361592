"""Database-free knowledge-base search engine: normaliser, synonyms, inverted index, confidence."""

from __future__ import annotations

import json
from pathlib import Path

from kb.search.index import SearchIndex
from kb.search.models import ArticleDoc, Hit

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"

__all__ = ["SAMPLE_DIR", "ArticleDoc", "Hit", "SearchIndex", "load_default_synonyms", "load_sample_articles"]


def load_default_synonyms() -> list[list[str]]:
    """Return the shipped default synonym groups (kb/sample/synonyms.json)."""
    data = json.loads((SAMPLE_DIR / "synonyms.json").read_text(encoding="utf-8"))
    return [list(g) for g in data]


def load_sample_articles() -> list[dict[str, object]]:
    """Return the shipped sample articles as dicts: title, body, tags, service."""
    articles: list[dict[str, object]] = json.loads((SAMPLE_DIR / "articles.json").read_text(encoding="utf-8"))
    return articles

"""Documented answers of the SLA store and report and the knowledge base's figures, gaps and export.

The use cases return plain dicts; these models are the routes' `response_model`, so the OpenAPI schema says
what each answer holds and an answer that drifted from it is caught (tests/api/test_schemathesis.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class StoredSla(BaseModel):
    code: str
    updated_at: str = Field(description="ISO 8601, UTC")
    data: dict[str, Any] = Field(description="the shape PUT accepts")


class SlaReportRow(BaseModel):
    service: str
    priority: int
    target: str = Field(description="reaction, diagnosis, workaround, resolution, …")
    tickets: int
    met: int
    breached: int
    median_seconds: int | None = Field(description="working seconds used; null without finished clocks")
    p90_seconds: int | None


class SlaReport(BaseModel):
    from_: str = Field(alias="from", description="ISO 8601")
    to: str = Field(description="ISO 8601")
    service: str | None
    rows: list[SlaReportRow]


class ArticleFigures(BaseModel):
    id: int
    title: str
    status: str = Field(description="draft, published, archived or deleted")
    service: str | None
    offered: int
    answered: int
    helped: int
    not_helped: int
    tickets_after_offer: int
    helped_share: float | None


class ServiceFigures(BaseModel):
    service: str | None
    offered: int
    helped: int
    not_helped: int
    tickets_after_offer: int
    helped_share: float | None


class OverallFigures(BaseModel):
    offers: int
    helped: int
    helped_share: float | None
    requests_started: int
    requests_solved: int
    self_service_rate: float | None


class KbStats(BaseModel):
    articles: list[ArticleFigures]
    services: list[ServiceFigures]
    overall: OverallFigures


class GapService(BaseModel):
    service: str | None
    count: int


class GapGroup(BaseModel):
    count: int
    example: str
    words: list[str]
    queries: list[str]
    services: list[GapService]
    last_asked_at: datetime | None


class MissesPerService(BaseModel):
    service: str | None
    misses: int


class KbGaps(BaseModel):
    days: int
    misses: int
    groups_total: int
    groups: list[GapGroup]
    services: list[MissesPerService]


class ExportedArticle(BaseModel):
    id: int
    title: str
    body: str
    body_format: str
    tags: list[str]
    service: str | None
    status: str
    author: str | None
    version: int
    updated_at: str = Field(description="ISO 8601, UTC")


class KbExport(BaseModel):
    articles: list[ExportedArticle]
    synonyms: list[list[str]]

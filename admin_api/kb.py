"""Admin API: knowledge base routes (articles, history, search, synonyms, stats, import/export)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from admin_api.bodies import check_bundle, load_json, spool_capped
from admin_api.deps import AppSettings, Kb, Uow
from admin_api.errors import ApiError, ErrorOut
from admin_api.fields import Id, PageNo, SafeStr
from admin_api.schemas_reports import KbExport, KbGaps, KbStats
from core.errors import ValidationFailed
from kb import bulk
from kb.archive import parse_zip
from kb.io import bundle_from_obj
from kb.models import Article, ArticleVersion

router = APIRouter(prefix="/kb", tags=["knowledge base"])
AUTHOR = "admin-api"
Status = Literal["draft", "published", "archived"]
BodyFormat = Literal["html", "markdown"]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArticleCreate(In):
    title: SafeStr = Field(min_length=1, max_length=300)
    body: SafeStr = Field(min_length=1)
    tags: list[SafeStr] = Field(default_factory=list)
    service: SafeStr | None = Field(default=None, description="service code; null: every service")
    status: Status = "published"
    body_format: BodyFormat = "html"


class ArticlePatch(In):
    title: SafeStr | None = Field(default=None, min_length=1, max_length=300)
    body: SafeStr | None = Field(default=None, min_length=1)
    tags: list[SafeStr] | None = None
    service: SafeStr | None = None
    status: Status | None = None
    body_format: BodyFormat | None = None


class ArticleOut(BaseModel):
    id: int
    title: str
    body: str
    body_format: str
    tags: list[str]
    service: str | None
    status: str
    author: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class ArticlePage(BaseModel):
    items: list[ArticleOut]
    total: int
    page: int
    per_page: int


class VersionOut(BaseModel):
    version: int
    title: str
    body: str
    body_format: str
    tags: list[str]
    service: str | None
    status: str
    changed_by: str | None
    changed_at: datetime
    changes: list[str] = Field(description='"created", "deleted" or the names of the changed fields')


class HitOut(BaseModel):
    id: int
    title: str
    score: float
    snippet: str


class SearchOut(BaseModel):
    hits: list[HitOut]


class Synonyms(In):
    groups: list[list[SafeStr]] = Field(examples=[[["впн", "vpn"], ["учетка", "учётная запись", "аккаунт"]]])


def article_out(a: Article) -> ArticleOut:
    return ArticleOut(id=a.id, title=a.title, body=a.body, body_format=a.body_format, tags=list(a.tags),
                      service=a.service, status=a.status, author=a.author, created_at=a.created_at,
                      updated_at=a.updated_at, version=a.version)


def version_out(v: ArticleVersion) -> VersionOut:
    return VersionOut(version=v.version, title=v.title, body=v.body, body_format=v.body_format, tags=list(v.tags),
                      service=v.service, status=v.status, changed_by=v.changed_by, changed_at=v.changed_at,
                      changes=list(v.changes))


@router.post("/articles", response_model=ArticleOut, status_code=201)
async def create_article(kb: Kb, uow: Uow, body: ArticleCreate) -> ArticleOut:
    """Adds an article (published unless `status` says otherwise); it is searchable at once."""
    return article_out(await kb.create_article(uow=uow(), author=AUTHOR, **body.model_dump()))


@router.get("/articles", response_model=ArticlePage)
async def list_articles(kb: Kb, uow: Uow, page: PageNo = 1, per_page: int = Query(20, ge=1, le=200),
                        service: SafeStr | None = None, status: Status | None = None,
                        text: Annotated[SafeStr | None, Query(description="substring of the title or body")] = None,
                        ) -> ArticlePage:
    """Articles (deleted ones excluded), most recently changed first."""
    rows, total = await kb.list_articles(uow=uow.read(), service=service, status=status, text=text,
                                         offset=(page - 1) * per_page, limit=per_page)
    return ArticlePage(items=[article_out(a) for a in rows], total=total, page=page, per_page=per_page)


@router.get("/articles/{article_id}", response_model=ArticleOut)
async def get_article(kb: Kb, uow: Uow, article_id: Id) -> ArticleOut:
    """One article."""
    return article_out(await kb.get_article(uow=uow.read(), article_id=article_id))


@router.patch("/articles/{article_id}", response_model=ArticleOut)
async def update_article(kb: Kb, uow: Uow, article_id: Id, body: ArticlePatch) -> ArticleOut:
    """Changes the given fields; a new version records which ones."""
    data = body.model_dump(exclude_unset=True)
    nulls = {k: "Значение не может быть пустым (null)" for k, v in data.items() if v is None and k != "service"}
    if nulls:
        raise ValidationFailed("null is not allowed for: " + ", ".join(nulls), fields=nulls)
    return article_out(await kb.update_article(uow=uow(), article_id=article_id, changes=data, author=AUTHOR))


@router.delete("/articles/{article_id}", status_code=204)
async def delete_article(kb: Kb, uow: Uow, article_id: Id) -> Response:
    """Archives and hides the article: gone from lists and search; its history and figures stay."""
    await kb.delete_article(uow=uow(), article_id=article_id, author=AUTHOR)
    return Response(status_code=204)


@router.get("/articles/{article_id}/history", response_model=list[VersionOut])
async def article_history(kb: Kb, uow: Uow, article_id: Id) -> list[VersionOut]:
    """Every version of the article, oldest first, with who changed what."""
    return [version_out(v) for v in await kb.article_history(uow=uow.read(), article_id=article_id)]


@router.get("/search", response_model=SearchOut)
async def search(kb: Kb, q: Annotated[SafeStr, Query(min_length=1, max_length=4000)],
                 limit: int = Query(3, ge=1, le=10), service: SafeStr | None = None) -> SearchOut:
    """The articles the bot would offer for this text, best first; empty when none is confident.

    Nothing is recorded: an API search is not an offer a user saw, so it must not skew the figures."""
    return SearchOut(hits=[HitOut(id=h.id, title=h.title, score=h.score, snippet=h.snippet)
                           for h in await kb.asearch(q, limit=limit, service=service)])


@router.get("/synonyms", response_model=Synonyms)
async def get_synonyms(kb: Kb, uow: Uow) -> Synonyms:
    """The synonym groups used by the search."""
    return Synonyms(groups=await kb.get_synonyms(uow=uow.read()))


@router.put("/synonyms", response_model=Synonyms)
async def put_synonyms(kb: Kb, uow: Uow, body: Synonyms) -> Synonyms:
    """Replaces every group (each: at least two non-empty words); the search uses them at once."""
    return Synonyms(groups=await kb.put_synonyms(uow=uow(), groups=body.groups))


@router.get("/stats", response_model=KbStats)
async def stats(kb: Kb, uow: Uow) -> dict[str, Any]:
    """Per article: offered, answered, helped, helped share; overall offers, helped and the self-service rate."""
    return await kb.stats(uow=uow.read())


@router.get("/gaps", response_model=KbGaps)
async def gaps(kb: Kb, uow: Uow, days: int = Query(30, ge=1, le=366), limit: int = Query(20, ge=1, le=200)
               ) -> dict[str, Any]:
    """Questions users asked that got no article, grouped by their words, biggest group first, with counts per
    service: which article to write next."""
    return await kb.gaps(uow=uow.read(), days=days, limit=limit)


MD_ZIP = "application/zip"
MB = 1024 * 1024
BINARY = {"type": "string", "format": "binary"}
IMPORT_BODY = {"required": True, "content": {
    "application/json": {"schema": {"type": "object"}, "example": {"articles": [], "synonyms": []}},
    MD_ZIP: {"schema": BINARY},
}}


@router.get("/export", response_model=KbExport, responses={200: {"content": {MD_ZIP: {"schema": BINARY}}}})
async def export(uow: Uow, fmt: Literal["json", "md"] = Query("json", alias="format")) -> Response:
    """Every article (deleted ones excluded) and the synonym groups, in the import format, streamed page by page.

    `format=md`: a zip of the folder `support-bot kb export --format md` writes (one .md per article, synonyms.json)."""
    if fmt == "json":
        return StreamingResponse(bulk.export_json(uow_factory=uow), media_type="application/json")
    # a zip's directory comes last, so it is built in a temporary file (on disk past 16 MB) and then streamed
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    try:
        await bulk.export_zip(uow_factory=uow, out=out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return StreamingResponse(_file_chunks(out), media_type=MD_ZIP,
                             headers={"Content-Disposition": 'attachment; filename="kb-export.zip"'})


async def _file_chunks(f: IO[bytes], size: int = 256 * 1024) -> AsyncIterator[bytes]:
    try:
        while chunk := f.read(size):
            yield chunk
    finally:
        f.close()


@router.post("/import", openapi_extra={"requestBody": IMPORT_BODY},
             responses={415: {"model": ErrorOut, "description": "neither JSON nor zip"}})
async def import_(request: Request, kb: Kb, uow: Uow, settings: AppSettings) -> dict[str, int]:
    """Upserts articles (by `id` when it exists, else by title) and replaces synonyms if given.

    Body: the JSON export (`Content-Type: application/json`) or a zip of the Markdown export folder
    (`Content-Type: application/zip`). The whole of it is checked first; a bad item is a 422 naming it
    (articles[i].field, or the file inside the zip with its line) and nothing is written. Articles are then
    written in batches of their own transactions (bot updates and the SLA sweep go on meanwhile); should the
    import stop part-way, sending it again completes it (what was written comes back as `unchanged`)."""
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype not in ("application/json", MD_ZIP):
        raise ApiError(415, "unsupported_media_type", "Content-Type: application/json or application/zip")
    # BodyGuard caps the stream too; this keeps the route safe wherever it is mounted
    with await spool_capped(request, int(settings.kb_import_max_mb * MB)) as body:
        # parsing is CPU work of seconds for a large base: off the event loop, so updates keep flowing
        if ctype == MD_ZIP:
            bundle = await asyncio.to_thread(parse_zip, body, limit=int(settings.kb_import_unpacked_mb * MB))
        else:
            data = body.read()
            bundle = await asyncio.to_thread(
                lambda: bundle_from_obj(load_json(data, source="import"), source="import"))
    check_bundle(bundle)
    return await kb.import_bundle(uow_factory=uow, bundle=bundle, author=AUTHOR)

"""/docs without internet, and a database that is down answered with a 503 and one log line, not tracebacks."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from admin_api.app import create_app
from admin_api.deps import ApiServices
from core.db import make_engine, make_session_factory
from core.settings import Settings
from core.uow import UowFactory
from kb.service import KnowledgeBase
from tests.conftest import ADMIN_TOKEN


async def test_docs_load_their_assets_from_the_app_not_a_cdn(anon: httpx.AsyncClient) -> None:
    """Swagger UI's page pulled its JavaScript and CSS from cdn.jsdelivr.net: blank on a machine with no internet."""
    for page in ("/docs", "/redoc"):
        r = await anon.get(page)
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
        urls = re.findall(r'(?:src|href)="([^"]+)"', r.text) + re.findall(r"url: '([^']+)'", r.text)
        assets = [u for u in urls if u.endswith((".js", ".css"))]
        assert assets, r.text[:500]
        for url in assets:
            assert url.startswith("/docs-assets/"), url  # served here, nothing from another host
            got = await anon.get(url)
            assert got.status_code == 200 and len(got.content) > 10_000, url
        assert "cdn." not in r.text and "https://" not in r.text.replace("https://fastapi.tiangolo.com", "")
    spec = (await anon.get("/openapi.json")).json()
    assert spec["paths"]["/api/v1/services"]["get"]["responses"]["503"]


def _api_on(url: str) -> tuple[httpx.AsyncClient, AsyncEngine]:
    settings = Settings(database_url=url, admin_api_token=ADMIN_TOKEN, bot_token=None, _env_file=None)
    engine = make_engine(url)
    app = create_app(ApiServices(settings=settings, uow=UowFactory(make_session_factory(engine)),
                                 tz=ZoneInfo("Europe/Moscow"), kb=KnowledgeBase()))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                               headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    return client, engine


@pytest.mark.parametrize("url", ["postgresql+asyncpg://postgres@127.0.0.1:1/nothing_listens_here",
                                 "sqlite+aiosqlite:///{tmp}/no/such/folder/db.sqlite"])
async def test_database_down_is_a_503_with_one_log_line(url: str, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """A database that was down answered every request with a plain 500 and a traceback in the log each time."""
    client, engine = _api_on(url.format(tmp=tmp_path))
    caplog.set_level(logging.INFO)
    try:
        for path in ("/api/v1/services", "/api/v1/tickets", "/api/v1/kb/articles"):
            r = await client.get(path)
            assert r.status_code == 503, (path, r.text)
            err = r.json()["error"]
            assert err["code"] == "database_unavailable" and "повторите" in err["message"]
            assert r.headers["retry-after"] == "5" and err["request_id"] == r.headers["x-request-id"]
        assert (await client.get("/healthz")).status_code == 200  # the process itself is alive
    finally:
        await client.aclose()
        await engine.dispose()
    lines = [r for r in caplog.records if r.name == "admin_api"]
    assert len(lines) == 1 and "database unavailable" in lines[0].getMessage(), [r.getMessage() for r in lines]
    assert lines[0].exc_info is None  # one line, no traceback


async def test_every_ticket_action_documents_its_fields(anon: httpx.AsyncClient) -> None:
    from core.tickets.lifecycle import Action

    spec = (await anon.get("/openapi.json")).json()
    doc = spec["components"]["schemas"]["ActionIn"]["description"]
    for action in Action:
        assert f"- `{action.value}`: " in doc, action

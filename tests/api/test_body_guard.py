"""The token before the body, per-route body caps, and no plain-text 500 (admin_api.guard)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from admin_api.app import create_app
from admin_api.deps import ApiServices
from app.root import Root
from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MB = 1024 * 1024


class Pulled:
    """A streaming request body that records how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += self.chunk
            yield b"[" * self.chunk


def small_caps_app(root: Root) -> httpx.AsyncClient:
    settings = root.settings.model_copy(update={"api_max_body_mb": 0.25, "kb_import_max_mb": 1.0})
    app = create_app(ApiServices(settings=settings, uow=root.uow, tz=root.tz, kb=root.kb))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.mark.parametrize("declared", [True, False])
async def test_unauthenticated_large_body_refused_before_read(anon: httpx.AsyncClient, declared: bool) -> None:
    body = Pulled(150 * MB)
    headers = {"Content-Type": "application/json"}
    if declared:
        headers["Content-Length"] = str(body.total)
    for path in ("/api/v1/kb/import", "/api/v1/kb/articles", "/api/v1/tickets"):
        r = await anon.post(path, content=body, headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        assert r.headers["www-authenticate"] == "Bearer"
        assert body.sent == 0, f"{path}: {body.sent} bytes read before the token check"


async def test_body_over_the_cap_is_413_before_read(root: Root) -> None:
    async with small_caps_app(root) as c:
        body = Pulled(150 * MB)
        r = await c.post("/api/v1/kb/articles", content=body,
                         headers={**AUTH, "Content-Type": "application/json", "Content-Length": str(body.total)})
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large" and body.sent == 0
        assert r.json()["error"]["limit"] == MB // 4


@pytest.mark.parametrize(("path", "cap"), [("/api/v1/kb/articles", MB // 4), ("/api/v1/kb/import", MB),
                                           ("/api/v1/sla/policies/x", MB // 4)])
async def test_chunked_body_is_stopped_at_its_route_cap(root: Root, path: str, cap: int) -> None:
    method = "PUT" if "sla" in path else "POST"
    async with small_caps_app(root) as c:
        body = Pulled(150 * MB)  # no Content-Length: counted as it streams
        r = await c.request(method, path, content=body, headers={**AUTH, "Content-Type": "application/json"})
        assert r.status_code == 413, r.text
        assert r.json()["error"] == {"code": "too_large", "message": f"request body over {cap} bytes", "limit": cap}
        assert body.sent <= cap + body.chunk
        # under the cap the same route reads the body as before
        r = await c.request(method, path, content=b"{}", headers={**AUTH, "Content-Type": "application/json"})
        assert r.status_code != 413


async def test_import_cap_is_larger_than_the_default(root: Root) -> None:
    async with small_caps_app(root) as c:
        doc = b'{"articles": [], "pad": "' + b"x" * (MB // 2) + b'"}'  # over the default cap, under the import's
        r = await c.post("/api/v1/kb/import", content=doc, headers={**AUTH, "Content-Type": "application/json"})
        assert r.status_code == 422 and "pad" in r.json()["error"]["message"]


async def test_no_plain_text_500(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch,
                                 caplog: pytest.LogCaptureFixture) -> None:
    from core.catalog import service as catalog

    async def broken(**_: object) -> None:
        raise RuntimeError("connection string postgresql://secret@db")

    monkeypatch.setattr(catalog, "list_organisations", broken)
    with caplog.at_level(logging.ERROR, logger="admin_api"):
        r = await client.get("/api/v1/organisations")
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert err["code"] == "internal_error" and err["request_id"] == r.headers["x-request-id"]
    assert "secret" not in r.text  # the details are in the log only, under the request id
    logged = "\n".join(rec.getMessage() + (rec.exc_text or "") for rec in caplog.records)
    assert err["request_id"] in logged and "RuntimeError" in caplog.text


async def test_every_answer_has_a_request_id(anon: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    ids = {(await anon.get("/healthz")).headers["x-request-id"], (await anon.get("/api/v1/tickets")).headers[
        "x-request-id"], (await client.get("/api/v1/nosuch")).headers["x-request-id"]}
    assert len(ids) == 3

"""Bearer auth on every /api/v1 route, /healthz open, OpenAPI renders, errors are JSON."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN

ROUTES = ["/api/v1/services", "/api/v1/organisations", "/api/v1/staff", "/api/v1/tickets"]


async def test_healthz_needs_no_token(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ROUTES)
async def test_no_token_is_401(anon: httpx.AsyncClient, path: str) -> None:
    r = await anon.get(path)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("header", [f"Bearer {ADMIN_TOKEN}x", "Bearer wrong-token-wrong-token", f"Basic {ADMIN_TOKEN}",
                                    ADMIN_TOKEN])
async def test_wrong_token_is_401(anon: httpx.AsyncClient, header: str) -> None:
    r = await anon.get("/api/v1/services", headers={"Authorization": header})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


async def test_post_without_token_writes_nothing(anon: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    r = await anon.post("/api/v1/services", json={"code": "intruder", "name": "X"})
    assert r.status_code == 401
    assert (await client.get("/api/v1/services/intruder")).status_code == 404


async def test_right_token_passes(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/services")
    assert r.status_code == 200
    assert {s["code"] for s in r.json()} == {"omnichat", "crm-b2c", "nttm", "clm", "tecon"}


async def test_openapi_renders_and_lists_the_routes(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in ("/api/v1/services/{code}", "/api/v1/organisations/{org_id}", "/api/v1/staff/{staff_id}",
              "/api/v1/tickets", "/api/v1/tickets/{ticket_id}/actions", "/api/v1/tickets/{ticket_id}/comments"):
        assert p in paths
    docs = await anon.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/nowhere")
    assert r.status_code == 404 and r.json()["error"]["code"] == "http_404"

"""API test clients: httpx over ASGI on the root's app, with and without the admin token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.root import Root
from tests.conftest import ADMIN_TOKEN


@pytest.fixture
async def anon(root: Root) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=root.api), base_url="http://test") as c:
        yield c


@pytest.fixture
async def client(root: Root) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=root.api), base_url="http://test",
                                 headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as c:
        yield c

"""E2E fixtures: a root with the real Dispatcher and a recording Bot session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.root import Root, build_root
from core.settings import Settings
from tests.conftest import _empty
from tests.e2e.harness import BotHarness, RecordingSession


@pytest.fixture
def recording_session() -> RecordingSession:
    return RecordingSession()


@pytest.fixture
async def bot_root(settings: Settings, recording_session: RecordingSession) -> AsyncIterator[Root]:
    r = build_root(settings, with_api=False, bot_session=recording_session)
    await r.startup()
    try:
        yield r
    finally:
        await _empty(r)
        await r.shutdown()


@pytest.fixture
def harness(bot_root: Root, recording_session: RecordingSession) -> BotHarness:
    return BotHarness(bot_root, recording_session)

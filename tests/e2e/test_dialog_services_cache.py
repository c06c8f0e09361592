"""The dialogs read the service catalog once per process; a change in this process shows on the next step."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from core.catalog import service as catalog
from handlers import services
from tests.e2e.dialogs import onboard
from tests.e2e.harness import BotHarness

UID = 7401


@contextmanager
def service_queries(harness: BotHarness) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM services" in statement:
            seen.append(statement)

    engine = harness.root.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_services_are_read_once_and_a_rename_shows_at_once(harness: BotHarness) -> None:
    await onboard(harness, UID)
    await harness.send_text(UID, "/report")
    with service_queries(harness) as seen:
        await harness.press(UID, harness.button(UID, "NTTM"))
        await harness.send_text(UID, "/report")
    assert seen == [] and "NTTM" in str(harness.buttons(harness.last_call(UID)))
    await catalog.update_service(uow=harness.root.uow(), code="nttm", changes={"name": "NTTM (наряды)"})
    await harness.send_text(UID, "/report")
    assert any("NTTM (наряды)" in b for row in harness.buttons(harness.last_call(UID)) for b in row)


async def test_an_expired_copy_is_read_again(harness: BotHarness, monkeypatch: Any) -> None:
    await services.all_services(harness.root.uow)
    monkeypatch.setattr(services, "TTL", 0.0)
    with service_queries(harness) as seen:
        await services.all_services(harness.root.uow)
    assert len(seen) == 1

"""The root's admin API as one ASGI app whose lifespan is the root's life: startup and seed, then teardown.

schemathesis runs every in-process ASGI request on one event loop of its own; the lifespan puts the root's
startup (migrations, seeding) and its database connections on that same loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from schemathesis.hooks import HookContext
from schemathesis.schemas import BaseSchema
from starlette.types import Receive, Scope, Send

from app.root import Root, build_root
from core.catalog import service as catalog
from core.outages import service as outages
from core.settings import Settings
from core.sla import store as sla_store
from core.staffdesk import chats
from tests import factories
from tests.conftest import _empty


@dataclass
class Seeded:
    """The ids and codes of what the seed wrote, per path parameter name."""

    ids: dict[str, list[Any]] = field(default_factory=dict)

    def values(self, path: str, name: str) -> list[Any]:
        if name == "code":
            kind = "policy" if "/policies/" in path else "calendar" if "/calendars/" in path else "service"
            return self.ids[kind]
        return self.ids.get(name, [])


async def seed(root: Root) -> Seeded:
    """A bit of everything the routes read: people, a ticket, an organisation, articles, a chat, an outage."""
    requester = await factories.user(root, tg_id=910001, login="fuzz.user")
    line1 = await factories.staff(root, line="line1", tg_id=920001, coordinator=True)
    line2 = await factories.staff(root, line="line2", tg_id=920002, manager=True)
    ticket = await factories.incident(root, requester)
    org = await catalog.create_organisation(uow=root.uow(), name="ООО «Фаззинг»", inn="7700000000")
    articles = [await root.kb.create_article(uow=root.uow(), title=title, body=body, tags=["vpn"], author="seed")
                for title, body in (("Не подключается VPN", "Перезапустите клиент VPN."),
                                    ("Не печатает принтер", "Проверьте картридж."))]
    await chats.bind(uow=root.uow(), chat_id=-100_900_001, group_code="line2", service_code=None)
    outage, broadcast_id = await outages.declare(uow=root.uow(), services=["nttm"], title="NTTM недоступен",
                                                 tz=root.tz)
    services = [s.code for s in await catalog.list_services(uow=root.uow())]
    policies = [p["code"] for p in await sla_store.list_policies(uow=root.uow())]
    calendars = [c["code"] for c in await sla_store.list_calendars(uow=root.uow())]
    return Seeded(ids={
        "ticket_id": [ticket.id], "ticket_ref": [str(ticket.id), ticket.number or ""],
        "user_id": [requester.id], "staff_id": [line1.id, line2.id], "org_id": [org.id],
        "article_id": [a.id for a in articles], "outage_id": [outage.id], "broadcast_id": [broadcast_id],
        "service": services, "policy": policies, "calendar": calendars,
    })


class HostedRoot:
    """ASGI app: `root.api`, with the root's startup + seed and teardown as its lifespan."""

    def __init__(self, settings: Settings) -> None:
        self.root = build_root(settings, with_bot=False)
        assert self.root.api is not None
        self.api = self.root.api
        self.seeded = Seeded()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.api(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.root.startup()
                    self.seeded = await seed(self.root)
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    raise
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await _empty(self.root)
                finally:
                    await self.root.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def draw_ids_from_seed(self, schema: BaseSchema) -> None:
        """Path parameters: the generated ones, or (as often) those of the seeded objects."""

        @schema.hook
        def before_generate_path_parameters(context: HookContext, strategy: SearchStrategy[Any]
                                            ) -> SearchStrategy[Any]:
            op = context.operation
            if op is None:
                return strategy
            names = [p.name for p in op.path_parameters]
            choices = {n: self.seeded.values(op.path, n) for n in names}
            if not names or not all(choices.values()):
                return strategy
            return st.one_of(strategy, st.fixed_dictionaries({n: st.sampled_from(v) for n, v in choices.items()}))

"""Migrations 0018/0019: NTTM gets 003's notice subject and sender; curators recorded before keep every service
(they approved for all of them until their systems were recorded)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from app.root import Root
from core import migrate
from core.catalog import service as catalog
from core.catalog.models import Service, Staff


async def test_curators_recorded_before_keep_every_service_and_nttm_gets_its_sender(root: Root) -> None:
    curator = await catalog.create_staff(uow=root.uow(), line_code="line1", curator_region="МРФ Центр",
                                         user={"tg_id": 5901, "full_name": "Куратор Центра"})
    agent = await catalog.create_staff(uow=root.uow(), line_code="line1", user={"tg_id": 5902, "full_name": "Агент"})
    cfg = migrate.alembic_config()

    def _to(conn: Connection, rev: str, up: bool) -> None:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, rev)

    async with root.engine.begin() as conn:
        await conn.run_sync(_to, "0017", False)
        await conn.run_sync(_to, "head", True)
    async with root.session_factory() as s:
        codes = list((await s.scalars(select(Service.code).order_by(Service.id))).all())
        assert (await s.get(Staff, curator.id)).curator_services == codes  # type: ignore[union-attr]
        assert (await s.get(Staff, agent.id)).curator_services == []  # type: ignore[union-attr]
        nttm = (await s.scalars(select(Service).where(Service.code == "nttm"))).one()
        assert (nttm.notice_subject, nttm.notice_from) == ("Информационное письмо NTTM", "NTTM-support@RT.RU")
        assert await s.scalar(text("SELECT count(*) FROM service_mail_addresses")) == 0

"""Migration 0005: the chat ids kept in line_groups.chat_id and services.line_chats move to line_chats."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from app.root import Root
from core import migrate
from core.staffdesk.models import LineChat
from tests import factories as f


async def test_chat_ids_move_into_line_chats_with_tickets_in_place(root: Root) -> None:
    await f.incident(root, await f.user(root))  # rows that reference line_groups while its column goes
    cfg = migrate.alembic_config()

    def _to(conn: Connection, rev: str, up: bool) -> None:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, rev)

    async with root.engine.begin() as conn:
        await conn.execute(text("DELETE FROM ticket_cards"))
        await conn.run_sync(_to, "0004", False)
        await conn.execute(text("UPDATE line_groups SET chat_id = -1001 WHERE code = 'line1'"))
        await conn.execute(text("UPDATE services SET line_chats = :v WHERE code = 'nttm'"),
                           {"v": '{"line2": -1002, "nosuch": -1003}'})
        await conn.run_sync(_to, "head", True)
    async with root.session_factory() as s:
        rows = (await s.scalars(select(LineChat).order_by(LineChat.chat_id.desc()))).all()
        assert [(r.chat_id, r.group_code, r.service_code, r.status) for r in rows] == [
            (-1001, "line1", "", "active"), (-1002, "line2", "nttm", "active")]

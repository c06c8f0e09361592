"""staff invitations, line chats (the one place group chat ids are kept) and ticket cards

The chat ids kept so far in `line_groups.chat_id` and `services.line_chats` move into `line_chats`
(a group's own chat serves all its services; a service's entry serves that service only), then those
columns go, so routing reads one source.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:00:00
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'staff_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('line_code', sa.String(length=32), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('is_coordinator', sa.Boolean(), nullable=False),
        sa.Column('is_service_manager', sa.Boolean(), nullable=False),
        sa.Column('curator_region', sa.String(length=100), nullable=True),
        sa.Column('full_name', sa.String(length=300), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('used_by_tg_id', sa.BigInteger(), nullable=True),
        sa.Column('used_staff_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['line_code'], ['line_groups.code'],
                                name=op.f('fk_staff_invitations_line_code_line_groups')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_invitations_staff_id_staff'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invitations')),
        sa.UniqueConstraint('code', name=op.f('uq_staff_invitations_code')),
    )
    line_chats = op.create_table(
        'line_chats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('group_code', sa.String(length=32), nullable=False),
        sa.Column('service_code', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('forum', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=True),
        sa.Column('bound_by', sa.Integer(), nullable=True),
        sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['group_code'], ['line_groups.code'],
                                name=op.f('fk_line_chats_group_code_line_groups'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_line_chats')),
        sa.UniqueConstraint('chat_id', name=op.f('uq_line_chats_chat_id')),
        sa.UniqueConstraint('group_code', 'service_code', name=op.f('uq_line_chats_group_code')),
    )
    op.create_table(
        'ticket_cards',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=True),
        sa.Column('message_id', sa.BigInteger(), nullable=True),
        sa.Column('rendered_hash', sa.String(length=64), nullable=True),
        sa.Column('dirty', sa.Boolean(), nullable=False),
        sa.Column('dirty_since', core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('synced_seq', sa.Integer(), nullable=False),
        sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_cards_ticket_id_tickets'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_cards')),
    )
    op.create_index('ix_ticket_cards_dirty', 'ticket_cards', ['dirty', 'dirty_since'], unique=False)
    _move_chat_ids(line_chats)
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of line_groups would
    # drop a table that tickets and staff reference, which SQLite's foreign keys refuse once there are rows
    op.execute("ALTER TABLE line_groups DROP COLUMN chat_id")
    op.execute("ALTER TABLE services DROP COLUMN line_chats")


def _move_chat_ids(line_chats: sa.Table) -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    rows: dict[int, dict[str, object]] = {}
    groups = {code for (code,) in bind.execute(sa.text("SELECT code FROM line_groups"))}
    for code, chat_id in bind.execute(sa.text("SELECT code, chat_id FROM line_groups WHERE chat_id IS NOT NULL")):
        rows.setdefault(int(chat_id), {"group_code": code, "service_code": ""})
    meta = sa.MetaData()
    services = sa.Table('services', meta, sa.Column('code', sa.String(32)), sa.Column('line_chats', sa.JSON()))
    for code, chats in bind.execute(sa.select(services.c.code, services.c.line_chats)):
        for group, chat_id in (chats or {}).items():
            if group in groups and isinstance(chat_id, int):
                rows.setdefault(chat_id, {"group_code": group, "service_code": code})
    seen: set[tuple[object, object]] = set()
    values = []
    for chat_id, row in rows.items():
        key = (row["group_code"], row["service_code"])
        if key in seen:
            continue
        seen.add(key)
        values.append({"chat_id": chat_id, **row, "title": "", "forum": False, "status": "active",
                       "reason": None, "bound_by": None, "created_at": now, "updated_at": now})
    if values:
        op.bulk_insert(line_chats, values)


def downgrade() -> None:
    op.add_column('services', sa.Column('line_chats', sa.JSON(), nullable=False, server_default='{}'))
    op.add_column('line_groups', sa.Column('chat_id', sa.BigInteger(), nullable=True))
    op.drop_index('ix_ticket_cards_dirty', table_name='ticket_cards')
    op.drop_table('ticket_cards')
    op.drop_table('line_chats')
    op.drop_table('staff_invitations')

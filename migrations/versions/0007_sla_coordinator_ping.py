"""SLA: the coordinator ping of an unassigned ticket past half its reaction time

`ping_at` is the instant half of the reaction target's time is used (computed with the other instants);
`pinged_at` marks that the sweep wrote the ping (or found the ticket assigned by then). Clocks started before
this revision have no ping instant: they are not pinged.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket_sla_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ping_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pinged_at', core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket_sla_targets', schema=None) as batch_op:
        batch_op.drop_column('pinged_at')
        batch_op.drop_column('ping_at')

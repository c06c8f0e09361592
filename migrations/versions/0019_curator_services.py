"""staff: the systems a МРФ curator approves access to (003: «Список кураторов от МРФ по Системе»); the
curators recorded before keep every service of the catalog, as they approved for all of them until now

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 17:15:00
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTER TABLE, not a copy of the table: on SQLite that would drop a table other rows reference
    for table in ('staff', 'staff_invitations'):
        op.add_column(table, sa.Column('curator_services', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    conn = op.get_bind()
    codes = [c for (c,) in conn.execute(sa.text("SELECT code FROM services ORDER BY id")).all()]
    if codes:
        staff = sa.table('staff', sa.column('curator_region', sa.String()), sa.column('curator_services', sa.JSON()))
        conn.execute(staff.update().where(staff.c.curator_region.is_not(None))
                     .values(curator_services=json.loads(json.dumps(codes))))


def downgrade() -> None:
    op.drop_column('staff_invitations', 'curator_services')
    op.drop_column('staff', 'curator_services')

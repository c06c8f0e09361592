"""the МРФ curator's approval of access requests; indexes of the staff commands

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_tickets_line_created', ['line', 'created_at'], unique=False)
        batch_op.create_index('ix_tickets_line_closed', ['line', 'closed_at'], unique=False)
        batch_op.create_index('ix_tickets_approval', ['approval'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tickets_approval', table_name='tickets')
    op.drop_index('ix_tickets_line_closed', table_name='tickets')
    op.drop_index('ix_tickets_line_created', table_name='tickets')
    op.drop_column('tickets', 'approval')

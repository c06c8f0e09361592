"""kb articles: stored sentence vectors of the current version (issue 13)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('embedding', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('embedding_model', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('embedding_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_column('embedding_version')
        batch_op.drop_column('embedding_model')
        batch_op.drop_column('embedding')

"""one setup per service: support groups with a level and a service, routing, fixed levels, auto-close setting

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 01:30:00
"""
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# what 0001's seed wrote: a service still holding these was never edited, so the regulation's setup replaces it
OLD_DESCRIPTIONS = {
    "omnichat": "Омниканальный чат контакт-центра",
    "crm-b2c": "CRM для массового сегмента",
    "nttm": "Система управления сетевыми инцидентами (trouble tickets)",
    "clm": "Управление жизненным циклом клиента",
    "tecon": "Диспетчеризация и учёт ресурсов объектов",
}
OLD_POLICIES = {"omnichat": "nttm", "crm-b2c": "nttm", "clm": "nttm"}


def upgrade() -> None:
    with op.batch_alter_table('line_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=8), nullable=False, server_default='line2'))
        batch_op.add_column(sa.Column('service_code', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_line_groups_service_code'), ['service_code'], unique=False)
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('routing', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('type_priority', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('autoclose', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('confirmation_only', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('channels', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('internal_incident', sa.String(length=100), nullable=True))
    with op.batch_alter_table('ticket_sla', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.String(length=32), nullable=True))
    _data()


def _data() -> None:
    # the regulation's setup as core.catalog.seed ships it at this revision
    from core.catalog.seed import GROUPS, SERVICES

    conn = op.get_bind()
    groups = sa.table('line_groups', sa.column('code', sa.String), sa.column('name', sa.String),
                      sa.column('order', sa.Integer), sa.column('level', sa.String),
                      sa.column('service_code', sa.String))
    have = {r[0] for r in conn.execute(sa.select(groups.c.code))}
    for code, name, order, level, service in GROUPS:
        if code in have:
            conn.execute(groups.update().where(groups.c.code == code).values(level=level, service_code=service))
        else:
            conn.execute(groups.insert().values(code=code, name=name, order=order, level=level,
                                                service_code=service))
    services = sa.table('services', sa.column('code', sa.String), sa.column('description', sa.String),
                        sa.column('sla_policy', sa.String), sa.column('intake', sa.JSON),
                        sa.column('request_types', sa.JSON), sa.column('routing', sa.JSON),
                        sa.column('type_priority', sa.JSON), sa.column('confirmation_only', sa.Boolean),
                        sa.column('channels', sa.JSON))
    rows = {r.code: r for r in conn.execute(sa.select(services.c.code, services.c.description,
                                                      services.c.sla_policy, services.c.intake,
                                                      services.c.request_types))}
    for spec in SERVICES:
        row = rows.get(spec["code"])
        if row is None:
            continue  # a fresh database: the seed creates the service whole
        values: dict[str, Any] = {k: spec.get(k, {} if k != "channels" else [])
                                  for k in ("routing", "type_priority", "channels")}
        values["confirmation_only"] = bool(spec.get("confirmation_only"))
        if row.description == OLD_DESCRIPTIONS.get(spec["code"]):
            values["description"] = spec["description"]
        if not row.intake and spec.get("intake"):
            values["intake"] = spec["intake"]
        if not row.request_types:
            values["request_types"] = spec["request_types"]
        if OLD_POLICIES.get(spec["code"]) == row.sla_policy:
            values["sla_policy"] = spec["sla_policy"]
        conn.execute(services.update().where(services.c.code == spec["code"]).values(**values))


def downgrade() -> None:
    with op.batch_alter_table('ticket_sla', schema=None) as batch_op:
        batch_op.drop_column('calendar')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('internal_incident')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('channels')
        batch_op.drop_column('confirmation_only')
        batch_op.drop_column('autoclose')
        batch_op.drop_column('type_priority')
        batch_op.drop_column('routing')
    with op.batch_alter_table('line_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_line_groups_service_code'))
        batch_op.drop_column('service_code')
        batch_op.drop_column('level')

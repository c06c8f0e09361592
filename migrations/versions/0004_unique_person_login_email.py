"""one person per login and per e-mail, case-insensitive

Parallel registrations for one new login used to create several people. Those duplicates are merged first:
within a group of people sharing a login (then an e-mail) whatever the case, the one with a Telegram account
(else the oldest) is kept and every reference to the others is moved to it. A group with two Telegram accounts
is two real people who typed one login: the migration refuses and names them, so an administrator decides.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# columns that hold a person's id without a foreign key: (table, id column, kind column)
_SOFT_REFS = (("ticket_history", "actor_id", "actor_kind"), ("ticket_comments", "author_id", "author_kind"))


def _references(bind: sa.engine.Connection) -> list[tuple[str, str]]:
    insp = sa.inspect(bind)
    refs = []
    for table in insp.get_table_names():
        for fk in insp.get_foreign_keys(table):
            if fk["referred_table"] == "users" and len(fk["constrained_columns"]) == 1:
                refs.append((table, fk["constrained_columns"][0]))
    return refs


def _merge_duplicates(bind: sa.engine.Connection, column: str) -> None:
    users = sa.table("users", sa.column("id"), sa.column("tg_id"), sa.column(column))
    key = sa.func.lower(sa.func.trim(users.c[column]))
    dup_keys = [k for (k,) in bind.execute(sa.select(key).where(users.c[column].is_not(None))
                                           .group_by(key).having(sa.func.count() > 1))]
    refs = _references(bind)
    for k in dup_keys:
        people = bind.execute(sa.select(users.c.id, users.c.tg_id).where(key == k).order_by(users.c.id)).all()
        telegram = [p for p in people if p.tg_id is not None]
        if len(telegram) > 1:
            raise RuntimeError(
                f"users {[p.id for p in telegram]} are different Telegram accounts with one {column} '{k}': "
                f"change the {column} of all but one of them (UPDATE users SET {column} = ... WHERE id = ...), "
                "then start again")
        keep = (telegram or people)[0].id
        gone = [p.id for p in people if p.id != keep]
        for table, col in refs:
            t = sa.table(table, sa.column(col))
            bind.execute(sa.update(t).where(t.c[col].in_(gone)).values({col: keep}))
        for table, col, kind in _SOFT_REFS:
            t = sa.table(table, sa.column(col), sa.column(kind))
            bind.execute(sa.update(t).where(t.c[col].in_(gone), t.c[kind] == "user").values({col: keep}))
        bind.execute(sa.delete(users).where(users.c.id.in_(gone)))


def upgrade() -> None:
    bind = op.get_bind()
    users = sa.table("users", sa.column("login"), sa.column("email"))
    for column in ("login", "email"):
        # a blank login is no login: blanks must not collide with each other
        bind.execute(sa.update(users).where(sa.func.trim(users.c[column]) == "").values({column: None}))
        _merge_duplicates(bind, column)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_login')
        batch_op.drop_index('ix_users_email')
    op.create_index('uq_users_lower_login', 'users', [sa.text('lower(login)')], unique=True)
    op.create_index('uq_users_lower_email', 'users', [sa.text('lower(email)')], unique=True)


def downgrade() -> None:
    op.drop_index('uq_users_lower_email', table_name='users')
    op.drop_index('uq_users_lower_login', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_email', ['email'], unique=False)
        batch_op.create_index('ix_users_login', ['login'], unique=False)

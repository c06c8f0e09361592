"""The Alembic history matches the models: autogenerate finds nothing to do."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from core import migrate
from core.db import Base, import_all_models


async def test_autogenerate_reports_no_difference(root) -> None:
    import_all_models()

    def _diff(conn):
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)

    async with root.engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_database_is_at_head(root) -> None:
    assert await migrate.current_revision(root.engine) == migrate.head_revision()

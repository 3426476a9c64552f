"""Every writer adds to the tile pyramid's cells finest level first and the
world's coarsest cells last (migration 0008 went coarsest first). The order
is the same for every writer, so no two deadlock; and a long writer (an import
adding its deltas at its end, migration 0015) takes the few cells every
contribution adds to only in the last moments before its commit, so
contributions made meanwhile wait for milliseconds, not for the seconds its
millions of finer cells take."""

from importlib import import_module

from django.db import migrations

APPLY_SQL = import_module("registry.migrations.0008_tile_cells").APPLY_SQL
COARSEST_FIRST = "ORDER BY level, x, y, kind, status, vendor_id, operator_id"
FINEST_FIRST = "ORDER BY level DESC, x, y, kind, status, vendor_id, operator_id"
# Since 0015 the arithmetic lives under this name, behind a wrapper.
FUNCTION = (
    "CREATE FUNCTION registry_tilecell_apply(",
    "CREATE OR REPLACE FUNCTION registry_tilecell_add(",
)


def _add_sql(order_from: str, order_to: str) -> str:
    assert APPLY_SQL.count(order_from) == 1 and APPLY_SQL.count(FUNCTION[0]) == 1
    return APPLY_SQL.replace(order_from, order_to).replace(*FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("registry", "0015_tile_cells_deferred")]

    operations = [
        migrations.RunSQL(
            _add_sql(COARSEST_FIRST, FINEST_FIRST), _add_sql(COARSEST_FIRST, COARSEST_FIRST)
        )
    ]

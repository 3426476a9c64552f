"""The tile pyramid's delta function learns two modes a transaction can ask
for with `SET LOCAL registry.tile_cells`:

- `defer`: a statement's delta is kept in the session's temporary table
  registry_tilecell_deferred instead of being added to the cells; the writer
  adds the sum of its deltas once, at its end (an import: the cells are then
  locked only from its last statement to its commit, not for its whole run,
  so that contributions in the same places never wait for it);
- `skip`: nothing is counted; the writer rebuilds the pyramid at its end (a
  first import into an empty registry)."""

from django.db import migrations

DEFERRED_SQL = """
CREATE OR REPLACE FUNCTION registry_tilecell_defer(
  xs integer[], ys integer[], kinds text[], statuses text[], vendors bigint[],
  operators bigint[], counts integer[], sums_x bigint[], sums_y bigint[]
) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  mode text := current_setting('registry.tile_cells', true);
BEGIN
  IF mode = 'skip' THEN
    RETURN true;
  END IF;
  IF mode = 'defer' THEN
    INSERT INTO registry_tilecell_deferred
    SELECT * FROM unnest(xs, ys, kinds, statuses, vendors, operators, counts, sums_x, sums_y);
    RETURN true;
  END IF;
  RETURN false;
END
$$;
"""


def _wrap_apply(apps, schema_editor):
    """Renames the delta function and puts a thin one in front of it that
    defers or skips when asked: the arithmetic of migration 0008 is kept as
    it is."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "ALTER FUNCTION registry_tilecell_apply(integer[], integer[], text[], text[], "
            "bigint[], bigint[], integer[], bigint[], bigint[]) "
            "RENAME TO registry_tilecell_add"
        )
        cursor.execute(DEFERRED_SQL)
        cursor.execute(
            """
CREATE FUNCTION registry_tilecell_apply(
  xs integer[], ys integer[], kinds text[], statuses text[], vendors bigint[],
  operators bigint[], counts integer[], sums_x bigint[], sums_y bigint[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT registry_tilecell_defer(xs, ys, kinds, statuses, vendors, operators, counts,
      sums_x, sums_y) THEN
    PERFORM registry_tilecell_add(xs, ys, kinds, statuses, vendors, operators, counts,
      sums_x, sums_y);
  END IF;
END
$$;
"""
        )


def _unwrap_apply(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "DROP FUNCTION registry_tilecell_apply(integer[], integer[], text[], text[], "
            "bigint[], bigint[], integer[], bigint[], bigint[])"
        )
        cursor.execute(
            "DROP FUNCTION registry_tilecell_defer(integer[], integer[], text[], text[], "
            "bigint[], bigint[], integer[], bigint[], bigint[])"
        )
        cursor.execute(
            "ALTER FUNCTION registry_tilecell_add(integer[], integer[], text[], text[], "
            "bigint[], bigint[], integer[], bigint[], bigint[]) "
            "RENAME TO registry_tilecell_apply"
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0014_write_safeguards")]

    operations = [migrations.RunPython(_wrap_apply, _unwrap_apply)]

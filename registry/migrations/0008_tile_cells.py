"""The grid pyramid behind the map's low-zoom tiles: visible cameras counted
per Web-Mercator tile cell at every level from 0 to 17, per kind, status,
vendor and operator, with the sums of their positions. A tile at zoom z sums
the 8x8 cells of level z + 3 it covers, however many cameras they hold.

Statement-level triggers with transition tables keep it current on every
write to registry_camera, however made (services, imports, COPY, SQL by
hand): each statement's changes become one delta at level 17, coarser levels
are that delta with x and y shifted, and the deltas are added in key order so
that concurrent writers lock cells in the same order and cannot deadlock.
Positions are summed as whole centimetres (bigint): adding and subtracting
deltas for years stays exact, equal to a rebuild from scratch."""

from django.db import migrations, models

FINEST_LEVEL = 17
HALF_WORLD_CM = "2003750834.2789244"  # Web Mercator's half circumference, cm
EARTH_RADIUS_CM = "637813700"
MAX_LATITUDE = "85.0511287798066"  # Web Mercator's square world ends here
CELL_KEY = "level, x, y, kind, status, vendor_id, operator_id"

FUNCTIONS_SQL = f"""
CREATE FUNCTION registry_mercator_x_cm(location geometry) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round(ST_X(location) * {HALF_WORLD_CM} / 180)::bigint
$$;

-- Latitudes beyond Web Mercator's edge land on its edge: their cameras are
-- still counted, in the top or bottom row of tiles.
CREATE FUNCTION registry_mercator_y_cm(location geometry) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round(ln(tan(pi() / 4 + radians(
    greatest(-{MAX_LATITUDE}, least({MAX_LATITUDE}, ST_Y(location)))) / 2)) * {EARTH_RADIUS_CM}
  )::bigint
$$;

-- The tile column (pass the easting) or row (pass minus the northing) at
-- `level` of a Web-Mercator position in centimetres. Coarser levels are the
-- finer index shifted right: multiplying by a power of two is exact.
CREATE FUNCTION registry_tile_index(offset_cm bigint, level integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT least(greatest(
    floor((offset_cm + {HALF_WORLD_CM}::float8) / (2 * {HALF_WORLD_CM}::float8) * 2::float8 ^ level), 0
  ), 2::float8 ^ level - 1)::integer
$$;
"""

def _coarser(level: int) -> str:
    """The delta at `level`, from the one a level finer: x and y halved."""
    return (
        f"delta_{level} AS (SELECT {level} AS level, x >> 1 AS x, y >> 1 AS y, "
        "kind, status, vendor_id, operator_id, sum(n)::integer AS n, "
        f"sum(sum_x)::bigint AS sum_x, sum(sum_y)::bigint AS sum_y FROM delta_{level + 1} "
        "GROUP BY 2, 3, 4, 5, 6, 7)"
    )


# Adds a statement's delta, given at level 17 as arrays, to every level;
# each level is aggregated from the one below (the deltas of a 20,000-camera
# batch shrink level by level instead of being regrouped 18 times). Cells
# emptied by it are deleted.
DELTAS = ",\n    ".join(_coarser(level) for level in range(FINEST_LEVEL - 1, -1, -1))
ALL_DELTAS = "\n      UNION ALL ".join(
    f"SELECT * FROM delta_{level}" for level in range(FINEST_LEVEL, -1, -1)
)
APPLY_SQL = f"""
CREATE FUNCTION registry_tilecell_apply(
  xs integer[], ys integer[], kinds text[], statuses text[], vendors bigint[],
  operators bigint[], counts integer[], sums_x bigint[], sums_y bigint[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  e_level smallint[]; e_x integer[]; e_y integer[]; e_kind text[]; e_status text[];
  e_vendor bigint[]; e_operator bigint[];
BEGIN
  WITH delta_{FINEST_LEVEL} AS (
    SELECT {FINEST_LEVEL} AS level, d.*
    FROM unnest(xs, ys, kinds, statuses, vendors, operators, counts, sums_x, sums_y)
      AS d(x, y, kind, status, vendor_id, operator_id, n, sum_x, sum_y)
  ),
    {DELTAS},
  written AS (
    INSERT INTO registry_tilecell AS t ({CELL_KEY}, n, sum_x, sum_y)
    SELECT * FROM (
      {ALL_DELTAS}
    ) AS delta
    -- A move inside a cell changes only its sums.
    WHERE n <> 0 OR sum_x <> 0 OR sum_y <> 0
    ORDER BY {CELL_KEY}
    ON CONFLICT ({CELL_KEY}) DO UPDATE
      SET n = t.n + EXCLUDED.n, sum_x = t.sum_x + EXCLUDED.sum_x,
        sum_y = t.sum_y + EXCLUDED.sum_y
    RETURNING t.level, t.x, t.y, t.kind, t.status, t.vendor_id, t.operator_id, t.n
  )
  SELECT array_agg(level), array_agg(x), array_agg(y), array_agg(kind), array_agg(status),
    array_agg(vendor_id), array_agg(operator_id)
  INTO e_level, e_x, e_y, e_kind, e_status, e_vendor, e_operator
  FROM written WHERE n = 0;
  IF e_level IS NOT NULL THEN
    DELETE FROM registry_tilecell t
    USING unnest(e_level, e_x, e_y, e_kind, e_status, e_vendor, e_operator)
      AS e(level, x, y, kind, status, vendor_id, operator_id)
    WHERE (t.level, t.x, t.y, t.kind, t.status, t.vendor_id, t.operator_id)
      = (e.level, e.x, e.y, e.kind, e.status, e.vendor_id, e.operator_id);
  END IF;
END
$$;
"""

# The visible cameras a statement added (sign 1) and took away (sign -1).
CHANGES = {
    "inserted": "SELECT 1 AS sign, location, kind, status, vendor_id, operator_id FROM new_rows",
    "deleted": "SELECT -1 AS sign, location, kind, status, vendor_id, operator_id FROM old_rows",
    # Only rows whose cell or key changed: an import refreshing bookkeeping
    # columns on 168k cameras adds nothing. (A full join, so that a row whose
    # id changed still counts as one out and one in.)
    "updated": """
      SELECT side.* FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
      CROSS JOIN LATERAL (VALUES
        (-1, o.location, o.kind, o.status, o.vendor_id, o.operator_id),
        (1, n.location, n.kind, n.status, n.vendor_id, n.operator_id)
      ) AS side(sign, location, kind, status, vendor_id, operator_id)
      WHERE side.location IS NOT NULL
        AND (o.id IS NULL OR n.id IS NULL
          OR (o.location, o.kind, o.status, o.vendor_id, o.operator_id)
             IS DISTINCT FROM (n.location, n.kind, n.status, n.vendor_id, n.operator_id))
    """,
}


def trigger_function_sql(name: str, changes: str) -> str:
    return f"""
CREATE FUNCTION registry_camera_tilecells_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM registry_tilecell_apply(array_agg(x), array_agg(y), array_agg(kind),
    array_agg(status), array_agg(vendor_id), array_agg(operator_id), array_agg(n),
    array_agg(sum_x), array_agg(sum_y))
  FROM (
    SELECT registry_tile_index(x_cm, {FINEST_LEVEL}) AS x,
      registry_tile_index(-y_cm, {FINEST_LEVEL}) AS y,
      kind, status, vendor_id, operator_id,
      sum(sign)::integer AS n, sum(sign * x_cm)::bigint AS sum_x,
      sum(sign * y_cm)::bigint AS sum_y
    FROM (
      SELECT sign, registry_mercator_x_cm(location) AS x_cm,
        registry_mercator_y_cm(location) AS y_cm, kind, status,
        coalesce(vendor_id, 0) AS vendor_id, coalesce(operator_id, 0) AS operator_id
      FROM ({changes}) AS changes
      WHERE status <> 'hidden'
    ) AS visible
    GROUP BY 1, 2, 3, 4, 5, 6
  ) AS finest
  HAVING count(*) > 0;
  RETURN NULL;
END
$$;
"""


TRIGGERS_SQL = (
    "".join(trigger_function_sql(name, changes) for name, changes in CHANGES.items())
    + """
CREATE TRIGGER registry_camera_tilecells_inserted
AFTER INSERT ON registry_camera REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION registry_camera_tilecells_inserted();
CREATE TRIGGER registry_camera_tilecells_updated
AFTER UPDATE ON registry_camera REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION registry_camera_tilecells_updated();
CREATE TRIGGER registry_camera_tilecells_deleted
AFTER DELETE ON registry_camera REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION registry_camera_tilecells_deleted();

CREATE FUNCTION registry_camera_tilecells_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- DELETE, not TRUNCATE: a TRUNCATE naming both tables (Django's test
  -- flush does) must not fail on the cell table it is already emptying.
  DELETE FROM registry_tilecell;
  RETURN NULL;
END
$$;
CREATE TRIGGER registry_camera_tilecells_truncated
AFTER TRUNCATE ON registry_camera
FOR EACH STATEMENT EXECUTE FUNCTION registry_camera_tilecells_truncated();

-- Cells are updated in place all day long: room on each page keeps those
-- updates HOT (no new index entry).
ALTER TABLE registry_tilecell SET (fillfactor = 80);
"""
)

REVERSE_SQL = """
DROP TRIGGER registry_camera_tilecells_inserted ON registry_camera;
DROP TRIGGER registry_camera_tilecells_updated ON registry_camera;
DROP TRIGGER registry_camera_tilecells_deleted ON registry_camera;
DROP TRIGGER registry_camera_tilecells_truncated ON registry_camera;
DROP FUNCTION registry_camera_tilecells_inserted();
DROP FUNCTION registry_camera_tilecells_updated();
DROP FUNCTION registry_camera_tilecells_deleted();
DROP FUNCTION registry_camera_tilecells_truncated();
DROP FUNCTION registry_tilecell_apply(
  integer[], integer[], text[], text[], bigint[], bigint[], integer[], bigint[], bigint[]);
DROP FUNCTION registry_tile_index(bigint, integer);
DROP FUNCTION registry_mercator_y_cm(geometry);
DROP FUNCTION registry_mercator_x_cm(geometry);
"""

# The cameras already there, counted once (the same statements as
# registry.services.tiles.tile_cells_rebuild, frozen here).
FILL_SQL = f"""
INSERT INTO registry_tilecell ({CELL_KEY}, n, sum_x, sum_y)
SELECT {FINEST_LEVEL}, registry_tile_index(x_cm, {FINEST_LEVEL}),
  registry_tile_index(-y_cm, {FINEST_LEVEL}), kind, status, vendor_id, operator_id,
  count(*), sum(x_cm), sum(y_cm)
FROM (
  SELECT registry_mercator_x_cm(location) AS x_cm, registry_mercator_y_cm(location) AS y_cm,
    kind, status, coalesce(vendor_id, 0) AS vendor_id, coalesce(operator_id, 0) AS operator_id
  FROM registry_camera WHERE status <> 'hidden'
) AS visible
GROUP BY 2, 3, 4, 5, 6, 7;
""" + "".join(
    f"""
INSERT INTO registry_tilecell ({CELL_KEY}, n, sum_x, sum_y)
SELECT {level}, x >> 1, y >> 1, kind, status, vendor_id, operator_id,
  sum(n), sum(sum_x), sum(sum_y)
FROM registry_tilecell WHERE level = {level + 1}
GROUP BY 2, 3, 4, 5, 6, 7;
"""
    for level in range(FINEST_LEVEL - 1, -1, -1)
)


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_feature_trigger_columns")]

    operations = [
        migrations.CreateModel(
            name="TileCell",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "level",
                        "x",
                        "y",
                        "kind",
                        "status",
                        "vendor_id",
                        "operator_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "level",
                    models.PositiveSmallIntegerField(
                        help_text="Web-Mercator zoom, 0-17.", verbose_name="level"
                    ),
                ),
                (
                    "x",
                    models.IntegerField(
                        help_text="Tile column at this zoom, from the west.", verbose_name="column"
                    ),
                ),
                (
                    "y",
                    models.IntegerField(
                        help_text="Tile row at this zoom, from the north.", verbose_name="row"
                    ),
                ),
                ("kind", models.CharField(blank=True, max_length=30, verbose_name="kind")),
                ("status", models.CharField(max_length=10, verbose_name="status")),
                (
                    "vendor_id",
                    models.BigIntegerField(
                        help_text="0 when no vendor is known.", verbose_name="vendor id"
                    ),
                ),
                (
                    "operator_id",
                    models.BigIntegerField(
                        help_text="0 when no operator is known.", verbose_name="operator id"
                    ),
                ),
                ("n", models.IntegerField(verbose_name="cameras")),
                (
                    "sum_x",
                    models.BigIntegerField(
                        help_text="Web-Mercator x of the cameras, summed, in centimetres.",
                        verbose_name="sum of eastings",
                    ),
                ),
                (
                    "sum_y",
                    models.BigIntegerField(
                        help_text="Web-Mercator y of the cameras, summed, in centimetres.",
                        verbose_name="sum of northings",
                    ),
                ),
            ],
            options={"verbose_name": "tile cell"},
        ),
        migrations.RunSQL(FUNCTIONS_SQL + APPLY_SQL + TRIGGERS_SQL, REVERSE_SQL),
        migrations.RunSQL(FILL_SQL, migrations.RunSQL.noop),
    ]

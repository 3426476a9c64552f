"""The place search compares the registry's own names (areas, operators,
camera streets) accents and case ignored: `registry_search_key(text)`, an
IMMUTABLE wrapper around unaccent (which is only STABLE, its dictionary being
looked up by name at each call) that generated columns and indexes can be
built on. Areas and operators keep their names' keys in a column, with a
prefix index and a trigram index (pg_trgm) to find a name by the start of
any of its words; camera streets are indexed by their key's prefix. Both
extensions are trusted: the database's owner may create them."""

import django.contrib.postgres.indexes
import django.db.models.fields.json
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations, models

import registry.models.search

SEARCH_KEY = """
CREATE FUNCTION registry_search_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT left(btrim(regexp_replace(
    lower(unaccent('unaccent'::regdictionary, value) COLLATE "und-x-icu"),
    '[^[:alnum:]]+', ' ', 'g'
  )), 200)
$$
"""


def create_search_key(apps, schema_editor):
    # unaccent lives in whichever schema the extension was created in; the
    # function names it, so that it does not depend on the caller's search_path.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
            "ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
        (schema,) = cursor.fetchone()
    quoted = schema_editor.quote_name(schema)
    schema_editor.execute(
        SEARCH_KEY.replace("unaccent(", f"{quoted}.unaccent(").replace(
            "'unaccent'::regdictionary", f"'{quoted}.unaccent'::regdictionary"
        )
    )


def drop_search_key(apps, schema_editor):
    schema_editor.execute("DROP FUNCTION registry_search_key(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0022_places"),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(create_search_key, drop_search_key),
        migrations.RemoveIndex(
            model_name="camera",
            name="camera_addr_street",
        ),
        migrations.AddField(
            model_name="area",
            name="name_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=registry.models.search.SearchKey("name"),
                output_field=models.CharField(max_length=200),
                verbose_name="search key",
            ),
        ),
        migrations.AddField(
            model_name="operator",
            name="name_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=registry.models.search.SearchKey("name"),
                output_field=models.CharField(max_length=200),
                verbose_name="search key",
            ),
        ),
        migrations.AddIndex(
            model_name="area",
            index=models.Index(
                fields=["name_key"], name="area_name_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="area",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["name_key"], name="area_name_search", opclasses=["gin_trgm_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="operator",
            index=models.Index(
                fields=["name_key"], name="operator_name_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="operator",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["name_key"], name="operator_name_search", opclasses=["gin_trgm_ops"]
            ),
        ),
        # Django 5.2 wraps an expression's operator class in parentheses,
        # which PostgreSQL refuses: this index is created by hand.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "CREATE INDEX camera_addr_street_search ON registry_camera "
                    "(registry_search_key(tags ->> 'addr:street') text_pattern_ops)",
                    "DROP INDEX camera_addr_street_search",
                ),
            ],
            state_operations=[
                migrations.AddIndex(
                    model_name="camera",
                    index=models.Index(
                        django.contrib.postgres.indexes.OpClass(
                            registry.models.search.SearchKey(
                                django.db.models.fields.json.KeyTextTransform(
                                    "addr:street", "tags"
                                )
                            ),
                            name="text_pattern_ops",
                        ),
                        name="camera_addr_street_search",
                    ),
                ),
            ],
        ),
    ]

"""Trigram indexes for the free-text search, on PostgreSQL only.

InitiativeQuerySet.search and LessonQuerySet.search use icontains, which Django turns into
`UPPER("col"::text) LIKE UPPER('%text%')` on PostgreSQL. A leading wildcard defeats a B-tree, but a
GIN index with pg_trgm's gin_trgm_ops on the very same expression, UPPER(col::text), serves it.
On SQLite (and any other database) this migration does nothing; Django's model state is
untouched, so `makemigrations --check` stays clean.
"""

from django.db import migrations

INDEXES = {
    "initiatives_initiative_ref_trgm": ("initiatives_initiative", "ref"),
    "initiatives_initiative_title_trgm": ("initiatives_initiative", "title"),
    "initiatives_initiative_summary_trgm": ("initiatives_initiative", "summary"),
    "initiatives_lesson_text_trgm": ("initiatives_lesson", "text"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0004_stage_decision_registry_and_minutes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]

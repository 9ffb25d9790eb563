"""Trigram indexes for the free-text search, on PostgreSQL only.

BenefitQuerySet.search uses icontains, which Django turns into
`UPPER("col"::text) LIKE UPPER('%text%')` on PostgreSQL. A leading wildcard defeats a B-tree, but a
GIN index with pg_trgm's gin_trgm_ops on the very same expression, UPPER(col::text), serves it.
On SQLite (and any other database) this migration does nothing; Django's model state is
untouched, so `makemigrations --check` stays clean.
"""

from django.db import migrations

INDEXES = {
    "benefits_benefit_title_trgm": ("benefits_benefit", "title"),
    "benefits_benefit_unit_trgm": ("benefits_benefit", "unit"),
}
# The search also matches the initiative's ref and title: initiatives 0005 indexes those.


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
        ("benefits", "0005_follow_up_after_project"),
        ("initiatives", "0005_search_trigram_indexes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]

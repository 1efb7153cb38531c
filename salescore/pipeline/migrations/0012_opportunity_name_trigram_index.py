"""On PostgreSQL, a trigram index on the opportunity's name, so that a search of the opportunity list
(its name or its customer's, ``customers.search.named``) reads the matching opportunities instead
of walking all of them: at size L the director's search for a customer's name took 24 s. Like
customers migration 0006, it needs pg_trgm and is skipped with a warning where the extension cannot
be created. SQLite has no such index."""

import logging

from django.db import migrations, transaction
from django.db.utils import DatabaseError

logger = logging.getLogger(__name__)

INDEX = "opportunity_name_trgm_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        logger.warning("pg_trgm is not available (%s); opportunity search will scan the table.", exc)
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON pipeline_opportunity USING gin (UPPER(name) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0011_owner_index_covers_deleted"), ("customers", "0006_name_trigram_index")]
    operations = [migrations.RunPython(create, drop, elidable=False)]

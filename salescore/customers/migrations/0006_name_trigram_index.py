"""On PostgreSQL, a trigram index on the customer name, so a name search (icontains: UPPER(name)
LIKE UPPER('%...%')) of three characters or more reads the index instead of every customer. It
needs the pg_trgm extension; where the database user may not create it, the index is skipped
with a warning (search still works, by reading the table). SQLite has no such index."""

import logging

from django.db import migrations, transaction
from django.db.utils import DatabaseError

logger = logging.getLogger(__name__)

INDEX = "customer_name_trgm_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        logger.warning("pg_trgm is not available (%s); customer name search will scan the table.", exc)
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer USING gin (UPPER(name) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_list_order_index")]
    operations = [migrations.RunPython(create, drop, elidable=False)]

"""On PostgreSQL, trigram indexes on an order's number and the customer's PO number, so that a
search of the order list (those two or its customer's name, ``customers.search.named``) reads the
matching orders instead of walking all of them: at size L the director's search for a customer's
name took 13.6 s. Like customers migration 0006, they need pg_trgm and are skipped with a warning
where the extension cannot be created. SQLite has no such index."""

import logging

from django.db import migrations, transaction
from django.db.utils import DatabaseError

logger = logging.getLogger(__name__)

INDEXES = {"order_number_trgm_idx": "number", "order_customer_po_trgm_idx": "customer_po"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        logger.warning("pg_trgm is not available (%s); order search will scan the table.", exc)
        return
    for index, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON orders_order USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("orders", "0014_customer_receivable"), ("customers", "0006_name_trigram_index")]
    operations = [migrations.RunPython(create, drop, elidable=False)]

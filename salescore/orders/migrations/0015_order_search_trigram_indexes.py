"""On PostgreSQL, trigram indexes on an order's number and the customer's PO number, so that a
search of the order list (those two or its customer's name, ``customers.search.named``) reads the
matching orders instead of walking all of them: at size L the director's search for a customer's
name took 13.6 s. They need pg_trgm (``core.trigram``). SQLite has no such index."""

from django.db import migrations

from salescore.core import trigram

TABLE = "orders_order"
INDEXES = {"order_number_trgm_idx": "number", "order_customer_po_trgm_idx": "customer_po"}


def create(apps, schema_editor):
    trigram.create_indexes(schema_editor, TABLE, INDEXES)


def drop(apps, schema_editor):
    trigram.drop_indexes(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [("orders", "0014_customer_receivable"), ("customers", "0006_name_trigram_index")]
    operations = [migrations.RunPython(create, drop, elidable=False)]

"""On PostgreSQL, a trigram index on the customer name, so a name search (icontains: UPPER(name)
LIKE UPPER('%...%')) of three characters or more reads the index instead of every customer. It
needs the pg_trgm extension; where the database user may not create it, the index is skipped
with a warning (search still works, by reading the table). SQLite has no such index (its own is
customers migration 0012). Written by ``core.trigram``, as the later trigram indexes are."""

from django.db import migrations

from salescore.core import trigram

INDEXES = {"customer_name_trgm_idx": "name"}


def create(apps, schema_editor):
    trigram.create_indexes(schema_editor, "customers_customer", INDEXES)


def drop(apps, schema_editor):
    trigram.drop_indexes(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_list_order_index")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
